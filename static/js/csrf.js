// Pages cached whole for anonymous visitors carry no CSRF token (it would be the first visitor's). A form
// marked with an empty `data-csrf-from-cookie` input gets the visitor's own token from the csrftoken cookie on
// submit, asking /csrf/ to set that cookie first when the visitor has none yet (website.views.csrf_cookie).
(function () {
    "use strict";

    function readCookie(name) {
        var prefix = name + "=";
        var parts = document.cookie ? document.cookie.split(";") : [];
        for (var i = 0; i < parts.length; i += 1) {
            var part = parts[i].trim();
            if (part.indexOf(prefix) === 0) {
                return decodeURIComponent(part.slice(prefix.length));
            }
        }
        return "";
    }

    function token(cookieName, url) {
        var value = readCookie(cookieName);
        if (value) {
            return Promise.resolve(value);
        }
        return fetch(url, {credentials: "same-origin", cache: "no-store"}).then(function () {
            return readCookie(cookieName);
        });
    }

    document.addEventListener("submit", function (event) {
        var form = event.target;
        var input = form.querySelector("input[data-csrf-from-cookie]");
        if (!input || input.value) {
            return;
        }
        event.preventDefault();
        token(input.dataset.csrfCookieName || "csrftoken", input.dataset.csrfFromCookie).then(function (value) {
            input.value = value;
            form.submit();
        });
    });
}());
