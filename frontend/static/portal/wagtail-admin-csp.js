/*
 * Wagtail 8 still prints a few initialisers as inline <script> elements: the date, time and
 * date-time pickers, the inline (and multiple chooser) panels and the chooser widgets. The
 * portal's Content-Security-Policy blocks inline scripts, so the portal's overrides of those
 * templates, and frontend/middleware.py for the choosers, print the same call as data instead:
 *
 *   <span hidden data-portal-init="date" data-target="id_go_live_at" data-config="{...}"></span>
 *
 * and this file, loaded on every admin page, makes the call. It also watches the document,
 * because widgets arrive later too: in chooser modals and in dialogs that Wagtail moves into
 * the page from a <template>.
 */
(function () {
  "use strict";

  var SELECTOR = "[data-portal-init]";
  // Chooser widgets' initialisers, rewritten into data by frontend/middleware.py.
  var CHOOSERS = ["Chooser", "PageChooser", "ImageChooser", "DocumentChooser", "SnippetChooser"];
  var INITIALISERS = {
    chooser: function (el, config) {
      var name = el.dataset.widget;
      if (CHOOSERS.indexOf(name) === -1) {
        throw new Error("unknown chooser " + name);
      }
      new window[name](el.dataset.target, config);
    },
    "task-chooser": function (el) {
      window.createTaskChooser(el.dataset.target);
    },
    date: function (el, config) {
      window.initDateChooser(el.dataset.target, config);
    },
    time: function (el, config) {
      window.initTimeChooser(el.dataset.target, config);
    },
    datetime: function (el, config) {
      window.initDateTimeChooser(el.dataset.target, config);
    },
    "inline-panel": function (el, config) {
      new window.InlinePanel(config);
    },
    "multiple-chooser-panel": function (el, config) {
      new window.MultipleChooserPanel(config);
    },
  };

  function run(el) {
    var init = INITIALISERS[el.dataset.portalInit];
    // The same element can be seen twice (scan and observer); initialise it once.
    if (!init || el.dataset.portalDone) {
      return;
    }
    el.dataset.portalDone = "1";
    try {
      init(el, JSON.parse(el.dataset.config || "{}"));
    } catch (error) {
      // One broken widget must not stop the others from working.
      window.console.error("portal: could not initialise", el.dataset.portalInit, error);
    }
  }

  function scan(root) {
    if (root.nodeType !== Node.ELEMENT_NODE) {
      return;
    }
    if (root.matches(SELECTOR)) {
      run(root);
    }
    root.querySelectorAll(SELECTOR).forEach(run);
  }

  function start() {
    scan(document.body);
    new MutationObserver(function (mutations) {
      mutations.forEach(function (mutation) {
        mutation.addedNodes.forEach(scan);
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
