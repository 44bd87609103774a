// Completions for the search page's box: fills its <datalist> with what /search/suggest/
// answers for the words typed so far. The page works without it (the form is a plain GET);
// loaded from our origin with the page's nonce, as the Content-Security-Policy requires.
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest-url]");
  if (!input || typeof window.fetch !== "function") {
    return;
  }
  var list = document.getElementById(input.getAttribute("list"));
  if (!list) {
    return;
  }
  var timer = null;
  var asked = "";

  function fill(words) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    words.forEach(function (word) {
      var option = document.createElement("option");
      option.value = word;
      list.appendChild(option);
    });
  }

  function ask() {
    var text = input.value.trim();
    if (text === asked) {
      return;
    }
    asked = text;
    if (!text) {
      fill([]);
      return;
    }
    var url = input.dataset.suggestUrl + "?q=" + encodeURIComponent(text);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : { suggestions: [] };
      })
      .then(function (data) {
        // An older answer arriving after a newer question is dropped.
        if (text === asked) {
          fill(data.suggestions || []);
        }
      })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 200);
  });
})();
