/* Product page variant picker: the page works without this script (the form posts the chosen
   options and the server resolves them); with it, choosing a size or colour updates price,
   stock, image and the form's variant in place, and the address carries ?variant=<id>.
   The data is the server's own (json_script "variant-data"), resolved the same way. */
(function () {
  "use strict";
  var form = document.getElementById("buy");
  var dataNode = document.getElementById("variant-data");
  if (!form || !dataNode) return;
  var data = JSON.parse(dataNode.textContent);
  var currency = form.getAttribute("data-currency");
  var byId = {};
  data.variants.forEach(function (v) { byId[v.id] = v; });
  form.classList.add("js-ready");

  function sameSet(a, b) {
    if (a.length !== b.length) return false;
    return a.every(function (x) { return b.indexOf(x) !== -1; });
  }
  function exact(ids) {
    return data.variants.find(function (v) { return sameSet(v.values, ids); }) || null;
  }
  function checkedIds() {
    return Array.prototype.map.call(
      form.querySelectorAll("input[type=radio]:checked"),
      function (input) { return Number(input.getAttribute("data-value")); });
  }
  function optionValues(param) {
    var option = data.options.find(function (o) { return o.param === param; });
    return option ? option.values : [];
  }
  /* The variant with the value just chosen: the exact combination, else the one sharing most
     of the other choices (in stock first). */
  function resolve(changed) {
    var ids = checkedIds();
    var found = exact(ids);
    if (found) return found;
    var want = Number(changed.getAttribute("data-value"));
    var best = null, bestScore = -1;
    data.variants.forEach(function (v) {
      if (v.values.indexOf(want) === -1) return;
      var score = v.values.filter(function (x) { return ids.indexOf(x) !== -1; }).length * 2
        + (v.available > 0 ? 1 : 0);
      if (score > bestScore) { best = v; bestScore = score; }
    });
    return best;
  }
  function setText(selector, text) {
    var node = form.querySelector(selector);
    if (node) node.textContent = text;
  }
  function show(variant) {
    var current = variant.values;
    form.querySelectorAll("input[type=radio]").forEach(function (input) {
      var id = Number(input.getAttribute("data-value"));
      input.checked = current.indexOf(id) !== -1;
      var own = optionValues(input.name);
      var others = current.filter(function (x) { return own.indexOf(x) === -1; });
      var match = exact(others.concat([id]));
      var state = !match ? "not-offered" : match.available > 0 ? "available" : "sold-out";
      var label = input.closest("label");
      label.classList.remove("available", "sold-out", "not-offered");
      label.classList.add(state);
      var stateNode = label.querySelector("[data-state]");
      stateNode.innerHTML = state === "available" ? "" :
        '<span class="visually-hidden">, </span>' + state.replace("-", " ");
    });
    form.querySelectorAll("fieldset.option").forEach(function (fieldset) {
      var checked = fieldset.querySelector("input:checked");
      var chosen = fieldset.querySelector("[data-chosen]");
      if (chosen) chosen.textContent = checked ? checked.value : "";
    });
    setText("[data-price]", variant.price + " " + currency);
    var compare = form.querySelector("[data-compare-at]");
    compare.textContent = variant.compare_at ? variant.compare_at + " " + currency : "";
    compare.hidden = !variant.compare_at;
    var status = form.querySelector("[data-status]");
    status.textContent = variant.status;
    status.className = "pill" + (variant.available <= 0 ? " out" : variant.available <= 5 ? " low" : "");
    setText("[data-variant-name]", variant.name);
    document.querySelectorAll("[data-variant-field], [data-back-in-stock] input[name=variant_id]")
      .forEach(function (input) { input.value = variant.id; });
    var add = form.querySelector("[data-add]");
    add.disabled = variant.available <= 0;
    add.textContent = variant.available > 0 ? "Add to cart" : "Sold out";
    var quantity = form.querySelector("[data-quantity]");
    quantity.max = Math.max(variant.available, 1);
    if (Number(quantity.value) > variant.available && variant.available > 0) {
      quantity.value = variant.available;
    }
    var backInStock = document.querySelector("[data-back-in-stock]");
    if (backInStock) backInStock.hidden = variant.available > 0;
    if (variant.image) {
      var img = document.querySelector("[data-gallery] img");
      if (img) img.src = variant.image;
    }
    var url = new URL(window.location.href);
    Array.from(url.searchParams.keys()).forEach(function (key) {
      if (key.indexOf("option-") === 0) url.searchParams.delete(key);
    });
    url.searchParams.set("variant", variant.id);
    window.history.replaceState(null, "", url);
  }
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "radio") return;
    var variant = resolve(input);
    if (variant) show(variant);
  });
})();
