// ossref's script for readers: the "cited" date of "Cite this page" becomes
// the reader's own day, a button copies the citation, and a reference's
// back-link returns to the citation the reader followed. Loaded by
// ossref/templates/theme/main.html; reads only the page; sends nothing.
(function () {
  "use strict";

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function citedToday(root) {
    var now = new Date();
    var text = now.getFullYear() + " " + MONTHS[now.getMonth()] + " " + now.getDate();
    root.querySelectorAll(".ossref-cited").forEach(function (span) {
      span.textContent = text;
    });
  }

  function copyButtons(root) {
    root.querySelectorAll(".ossref-cite-this").forEach(function (box) {
      var citation = box.querySelector(".ossref-citation");
      if (!citation || box.querySelector(".ossref-copy") || !navigator.clipboard) {
        return;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "ossref-copy";
      button.textContent = "Copy citation";
      var status = document.createElement("span");
      status.setAttribute("role", "status");
      status.className = "ossref-copy-status";
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(citation.textContent.trim()).then(function () {
          status.textContent = "Citation copied.";
        }, function () {
          status.textContent = "Could not copy; select the citation and copy it.";
        });
      });
      var p = document.createElement("p");
      p.appendChild(button);
      p.appendChild(status);
      citation.insertAdjacentElement("afterend", p);
    });
  }

  // Each back-link returns to the citation that was followed, not the first.
  function backLinks(root) {
    root.querySelectorAll("sup.ossref-cite a[href^='#ref-']").forEach(function (link) {
      link.addEventListener("click", function () {
        var id = link.id || (link.parentElement && link.parentElement.id);
        if (link.id === "" && link.parentElement.firstElementChild !== link) {
          id = "";
        }
        var item = document.getElementById(link.getAttribute("href").slice(1));
        var back = item && item.querySelector(".ossref-backref");
        if (back && id) {
          back.setAttribute("href", "#" + id);
        }
      });
    });
  }

  function init() {
    citedToday(document);
    copyButtons(document);
    backLinks(document);
  }

  // Material's instant navigation swaps pages without reloading scripts: it
  // announces each new page on document$.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
