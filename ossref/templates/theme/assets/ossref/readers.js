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
  // Material's instant navigation re-renders the page on a same-page link
  // and makes every href absolute, so the followed citation is remembered
  // here (per page and reference) and applied when a back-link is used,
  // by listeners on the document that see the click before Material does.
  var followed = {};

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var cite = target && target.closest("sup.ossref-cite a[href*='#ref-']");
    if (cite) {
      // A group's first number has its id on the <sup>, the others their own.
      var id = cite.id || cite.parentElement.id;
      if (id) {
        followed[location.pathname + cite.hash] = id;
      }
      return;
    }
    var back = target && target.closest(".ossref-references a.ossref-backref");
    var item = back && back.closest("li[id]");
    var remembered = item && followed[location.pathname + "#" + item.id];
    if (remembered) {
      back.hash = "#" + remembered;
    }
  }, true);

  // Names and landmarks Material's own markup leaves out (axe-core:
  // aria-dialog-name, aria-progressbar-name, label, region). The progress
  // bar repeats what the browser shows and is hidden from screen readers;
  // the header's toggles are driven by their labels, not read on their own.
  function themeNames() {
    var search = document.querySelector(".md-search[role='dialog']");
    if (search && !search.hasAttribute("aria-label")) {
      search.setAttribute("aria-label", "Search");
    }
    document.querySelectorAll(".md-progress").forEach(function (bar) {
      bar.setAttribute("aria-label", "Loading the page");
      bar.setAttribute("aria-hidden", "true");
    });
    [["__drawer", "Navigation"], ["__search", "Search"]].forEach(function (pair) {
      var toggle = document.getElementById(pair[0]);
      if (toggle && !toggle.hasAttribute("aria-label")) {
        toggle.setAttribute("aria-label", pair[1]);
        toggle.setAttribute("aria-hidden", "true");
        toggle.tabIndex = -1;
      }
    });
  }

  function init() {
    themeNames();
    citedToday(document);
    copyButtons(document);
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
