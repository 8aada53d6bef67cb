// The product page's option selects, enhanced: the price, SKU and availability follow the chosen combination,
// values that cannot be bought with the others chosen are marked, and the button says when the combination is
// sold out or not sold. The plain form works without this: the server checks every combination it is sent.
// Reads the variant matrix the page embeds with json_script (id "variant-data").
(function () {
    "use strict";

    var dataNode = document.getElementById("variant-data");
    var form = document.querySelector("[data-variant-form]");
    if (!dataNode || !form) {
        return;
    }
    var data = JSON.parse(dataNode.textContent);
    var selects = Array.prototype.slice.call(form.querySelectorAll("[data-variant-option]"));
    if (!selects.length) {
        return;
    }
    var priceNode = document.querySelector("[data-variant-price]");
    var stockNode = document.querySelector("[data-variant-stock]");
    var skuNode = document.querySelector("[data-variant-sku]");
    var statusNode = form.querySelector("[data-variant-status]");
    var submit = form.querySelector("[data-variant-submit]");
    var quantity = form.querySelector("input[name=quantity]");
    var initial = {
        price: priceNode ? priceNode.textContent : "",
        stock: stockNode ? stockNode.textContent : "",
        stockClass: stockNode ? stockNode.className : "",
        sku: skuNode ? skuNode.textContent : ""
    };

    function chosen() {
        return selects.map(function (select) { return select.value; });
    }

    function matches(variant, values, skip) {
        for (var i = 0; i < values.length; i += 1) {
            if (i !== skip && values[i] && variant.values[i] !== values[i]) {
                return false;
            }
        }
        return true;
    }

    function variantFor(values) {
        for (var i = 0; i < data.variants.length; i += 1) {
            var variant = data.variants[i];
            if (variant.values.join("\u0000") === values.join("\u0000")) {
                return variant;
            }
        }
        return null;
    }

    function label(available) {
        if (available <= 0) {
            return ["Sold out", "out"];
        }
        if (available <= data.low_stock_threshold) {
            return ["Only " + available + " left", "low"];
        }
        return ["In stock", "in"];
    }

    // Each value of each select: can it be bought together with what the other selects hold now?
    function markValues(values) {
        selects.forEach(function (select, index) {
            Array.prototype.forEach.call(select.options, function (option) {
                if (!option.value) {
                    return;
                }
                var trial = values.slice();
                trial[index] = option.value;
                var sold = false;
                var buyable = false;
                data.variants.forEach(function (variant) {
                    if (variant.values[index] === option.value && matches(variant, trial, index)) {
                        sold = true;
                        buyable = buyable || variant.available > 0;
                    }
                });
                option.textContent = option.value + (buyable ? "" : (sold ? " (sold out)" : " (not sold)"));
                if (buyable) {
                    option.removeAttribute("data-unavailable");
                } else {
                    option.setAttribute("data-unavailable", "");
                }
            });
        });
    }

    function update() {
        var values = chosen();
        markValues(values);
        var complete = values.every(function (value) { return value; });
        var variant = complete ? variantFor(values) : null;
        var message = "";
        var buyable = false;
        if (!complete) {
            if (priceNode) { priceNode.textContent = initial.price; }
            if (stockNode) { stockNode.textContent = initial.stock; stockNode.className = initial.stockClass; }
            if (skuNode) { skuNode.textContent = initial.sku; }
        } else if (!variant) {
            message = values.join(", ") + " is not sold: choose another combination.";
        } else {
            var shown = label(variant.available);
            if (priceNode) { priceNode.textContent = variant.price_display; }
            if (stockNode) { stockNode.textContent = shown[0]; stockNode.className = "stock stock--" + shown[1]; }
            if (skuNode) { skuNode.textContent = variant.sku; }
            buyable = variant.available > 0;
            if (!buyable) {
                message = values.join(", ") + " is sold out: choose another combination.";
            } else if (quantity) {
                quantity.max = String(Math.max(Math.min(variant.available, data.max_per_line), 1));
            }
        }
        if (statusNode) { statusNode.textContent = message; }
        if (submit) {
            submit.disabled = complete && !buyable;
            submit.textContent = complete && variant && !buyable ? "Sold out" : "Add to cart";
        }
    }

    selects.forEach(function (select) { select.addEventListener("change", update); });
    update();
}());
