/* Mounts Stripe's Payment Element and confirms the PaymentIntent. Card details go from the
   shopper's browser straight to Stripe (PCI SAQ A). Runs once the deferred Stripe.js is loaded
   (deferred scripts run before DOMContentLoaded). */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var configNode = document.getElementById("stripe-config");
  if (!configNode || typeof Stripe === "undefined") { return; }
  var config = JSON.parse(configNode.textContent);
  var form = document.getElementById("payment-form");
  var submit = document.getElementById("payment-submit");
  var message = document.getElementById("payment-message");
  var stripe = Stripe(config.publishableKey);
  var elements = stripe.elements({ clientSecret: config.clientSecret });
  var mountPoint = document.getElementById("payment-element");
  mountPoint.textContent = "";
  elements.create("payment").mount(mountPoint);
  submit.disabled = false;

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit.disabled = true;
    message.hidden = true;
    stripe.confirmPayment({ elements: elements, confirmParams: { return_url: config.returnUrl } })
      .then(function (result) {
        // Only reached on an immediate error; success redirects to return_url.
        if (result.error) {
          message.textContent = result.error.message || "The payment failed. Please try again.";
          message.hidden = false;
          submit.disabled = false;
        }
      });
  });
});
