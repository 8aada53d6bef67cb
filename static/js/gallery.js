// Product gallery (templates/shop/product_page.html): the pictures sit side by side in a strip that scrolls, and
// each thumbnail is a link to one (#product-image-2), which works without JavaScript. Here a thumbnail scrolls the
// strip alone (not the page), and the thumbnail of the picture in view is marked with aria-current.
(function () {
    "use strict";

    var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

    document.querySelectorAll("[data-gallery]").forEach(function (gallery) {
        var strip = gallery.querySelector(".gallery__slides");
        var thumbs = Array.prototype.slice.call(gallery.querySelectorAll(".gallery__thumb"));
        if (!strip || thumbs.length === 0) {
            return;
        }

        function mark(slideId) {
            thumbs.forEach(function (thumb) {
                if (thumb.hash === "#" + slideId) {
                    thumb.setAttribute("aria-current", "true");
                } else {
                    thumb.removeAttribute("aria-current");
                }
            });
        }

        gallery.addEventListener("click", function (event) {
            var thumb = event.target.closest(".gallery__thumb");
            var slide = thumb && document.getElementById(thumb.hash.slice(1));
            if (!slide) {
                return;
            }
            event.preventDefault();
            strip.scrollTo({left: slide.offsetLeft, behavior: reduceMotion ? "auto" : "smooth"});
            mark(slide.id);
        });

        if ("IntersectionObserver" in window) {
            var observer = new IntersectionObserver(function (entries) {
                entries.forEach(function (entry) {
                    if (entry.isIntersecting) {
                        mark(entry.target.id);
                    }
                });
            }, {root: strip, threshold: 0.6});
            strip.querySelectorAll(".gallery__slide").forEach(function (slide) {
                observer.observe(slide);
            });
        }
        mark(strip.querySelector(".gallery__slide").id);
    });
})();
