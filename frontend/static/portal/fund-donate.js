// The donation payment page: mounts Stripe's Payment Element and confirms the payment.
// Everything it needs is in data attributes of #payment-form (no inline script: the page's
// Content-Security-Policy allows scripts from our origin and from js.stripe.com only).
// The money is credited by the provider's signed webhook, never by this script.
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form || typeof window.Stripe !== "function") {
    return;
  }
  var message = document.getElementById("payment-message");
  var submit = document.getElementById("payment-submit");
  var lang = (document.documentElement.lang || "zh-hans").toLowerCase();
  var stripe = window.Stripe(form.dataset.publishableKey, { locale: lang.indexOf("zh") === 0 ? "zh" : "en" });
  var elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  var paymentElement = elements.create("payment");
  paymentElement.mount("#payment-element");
  paymentElement.on("ready", function () {
    submit.disabled = false;
  });

  function show(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit.disabled = true;
    show("");
    stripe
      .confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } })
      .then(function (result) {
        // Only reached on an error: on success the browser goes to return_url.
        if (result.error) {
          show(result.error.message || "");
          submit.disabled = false;
        }
      });
  });
})();
