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

  // The reference a citation jumped to is highlighted (readers.css). The
  // browser's :target alone does not last: when instant navigation did not
  // take the click (its sitemap names another address, as on a preview, in
  // `ossref serve`, or before the sitemap loaded), Material answers the jump
  // by fetching and re-rendering the same page, and the new reference is no
  // :target; by then navigation.tracking may have put the section's anchor
  // in the URL. So the id jumped to is remembered for its page and marked
  // with a class, again on each re-render of that page.
  var jumped = { path: "", id: "" };

  function markJumped() {
    document.querySelectorAll(".ossref-references li.ossref-target").forEach(function (li) {
      if (li.id !== jumped.id) {
        li.classList.remove("ossref-target");
      }
    });
    var item = jumped.id ? document.getElementById(jumped.id) : null;
    if (item && item.matches(".ossref-references li")) {
      item.classList.add("ossref-target");
    }
  }

  window.addEventListener("hashchange", function () {
    var id = "";
    try {
      id = decodeURIComponent(location.hash.slice(1));
    } catch (error) {
      // A malformed escape names no element.
    }
    jumped = { path: location.pathname, id: id };
    markJumped();
  });

  // Previews. One popover at a time, next to what it describes: a citation
  // shows its full reference (copied from the page's own reference list, with
  // its links); a link to another entry shows that entry's title, other names
  // and summary, read from the linked page's own metadata on first use.
  // The popover is placed in the page right after its trigger, so Tab from a
  // citation goes on into the reference's links, Shift+Tab comes back, and
  // Tab from its last link goes on with the page (the disclosure pattern of
  // the WAI-ARIA Authoring Practices). The trigger is described by it
  // (aria-describedby, so a screen reader reads the reference on focus) and
  // controls it (aria-expanded, aria-controls). Escape closes it and returns
  // focus to the trigger; focus leaving both, or the pointer leaving, closes it.
  var popover = null;
  var owner = null;
  var hideTimer = 0;
  var dismissed = null;
  var entryCache = {};

  function popoverElement() {
    if (!popover || !document.body.contains(popover)) {
      // A span: it goes inside paragraphs, cells and superscripts.
      popover = document.createElement("span");
      popover.id = "ossref-popover";
      popover.className = "ossref-popover md-typeset";
      popover.hidden = true;
      popover.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
      popover.addEventListener("mouseleave", scheduleHide);
      document.body.appendChild(popover);
    }
    return popover;
  }

  // Whether the reader is at the popover with the keyboard: focus is in it,
  // or on its trigger reached by keyboard. The pointer leaving then does not
  // close it (a mouse click focuses a link too, without :focus-visible).
  function engaged() {
    var active = document.activeElement;
    return !!(popover && active && (popover.contains(active) ||
      (active === owner && active.matches(":focus-visible"))));
  }

  function show(trigger, fill, label) {
    clearTimeout(hideTimer);
    var box = popoverElement();
    if (owner && owner !== trigger) {
      release(owner);
    }
    owner = trigger;
    box.textContent = "";
    fill(box);
    if (box.querySelector("a[href]")) {
      // Links inside: a group the reader can enter, named for its trigger.
      box.setAttribute("role", "group");
      box.setAttribute("aria-label", label);
    } else {
      box.setAttribute("role", "tooltip");
      box.removeAttribute("aria-label");
    }
    if (box.previousElementSibling !== trigger || box.parentNode !== trigger.parentNode) {
      trigger.insertAdjacentElement("afterend", box);
    }
    box.hidden = false;
    var rect = trigger.getBoundingClientRect();
    var width = Math.min(400, document.documentElement.clientWidth - 16);
    box.style.width = width + "px";
    var left = Math.max(8, Math.min(rect.left, document.documentElement.clientWidth - width - 8));
    // Placed from wherever its containing block is: measured at 0,0 first.
    box.style.left = "0px";
    box.style.top = "0px";
    var origin = box.getBoundingClientRect();
    box.style.left = (left - origin.left) + "px";
    box.style.top = (rect.bottom + 6 - origin.top) + "px";
    trigger.setAttribute("aria-describedby", box.id);
    trigger.setAttribute("aria-controls", box.id);
    trigger.setAttribute("aria-expanded", "true");
  }

  function release(trigger) {
    trigger.removeAttribute("aria-describedby");
    trigger.removeAttribute("aria-controls");
    trigger.removeAttribute("aria-expanded");
  }

  function hide() {
    clearTimeout(hideTimer);
    if (popover) {
      popover.hidden = true;
    }
    if (owner) {
      release(owner);
      owner = null;
    }
  }

  function scheduleHide() {
    clearTimeout(hideTimer);
    if (!engaged()) {
      hideTimer = setTimeout(hide, 300);
    }
  }

  function fillReference(link) {
    return function (box) {
      var item = document.getElementById(link.hash.slice(1));
      if (!item) {
        return;
      }
      var copy = item.cloneNode(true);
      copy.removeAttribute("id");
      copy.querySelectorAll(".ossref-backref, [id]").forEach(function (node) {
        if (node.classList.contains("ossref-backref")) {
          node.remove();
        } else {
          node.removeAttribute("id");
        }
      });
      var p = document.createElement("span");
      p.className = "ossref-popover-text";
      p.append.apply(p, Array.prototype.slice.call(copy.childNodes));
      box.appendChild(p);
    };
  }

  function entryOf(url) {
    if (!entryCache[url]) {
      entryCache[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        return response.ok ? response.text() : "";
      }).then(function (text) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        var meta = function (name) {
          var node = doc.querySelector("meta[property='" + name + "']");
          return node ? node.getAttribute("content") : "";
        };
        var aliases = [];
        doc.querySelectorAll("script[type='application/ld+json']").forEach(function (script) {
          try {
            var data = JSON.parse(script.textContent);
            if (data && data.about && Array.isArray(data.about.alternateName)) {
              aliases = data.about.alternateName.filter(function (a) { return typeof a === "string"; });
            }
          } catch (error) {
            // Not ours: no aliases.
          }
        });
        return { title: meta("og:title"), summary: meta("og:description"), aliases: aliases };
      }).catch(function () {
        return { title: "", summary: "", aliases: [] };
      });
    }
    return entryCache[url];
  }

  function previewEntry(link) {
    var url = link.href.split("#")[0];
    entryOf(url).then(function (entry) {
      if (!entry.title || (owner && owner !== link) || !link.matches(":hover, :focus")) {
        return;
      }
      show(link, function (box) {
        var title = document.createElement("strong");
        title.textContent = entry.title;
        box.appendChild(title);
        if (entry.aliases.length) {
          var also = document.createElement("span");
          also.className = "ossref-popover-text";
          also.textContent = "Also known as: " + entry.aliases.join(", ");
          box.appendChild(also);
        }
        if (entry.summary) {
          var summary = document.createElement("span");
          summary.className = "ossref-popover-text";
          summary.textContent = entry.summary;
          box.appendChild(summary);
        }
      });
    });
  }

  // Links to other pages of this site, in the article, outside generated lists of references.
  function isEntryLink(link) {
    if (!link.closest("article") || link.closest(".ossref-references, .ossref-further, .ossref-contents, .headerlink")) {
      return false;
    }
    return link.origin === location.origin && link.pathname !== location.pathname &&
      !/\.(bib|ris|png|jpe?g|gif|webp|avif)$/i.test(link.pathname);
  }

  function trigger(target) {
    var element = target instanceof Element ? target : null;
    if (!element || (popover && popover.contains(element))) {
      return null;
    }
    var cite = element.closest("sup.ossref-cite a[href*='#ref-']");
    if (cite) {
      return { link: cite, cite: true };
    }
    var link = element.closest("a[href]");
    return link && isEntryLink(link) ? { link: link, cite: false } : null;
  }

  function open(found) {
    if (owner && owner !== found.link) {
      // Not left showing what another link described while this one loads.
      hide();
    }
    if (found.cite) {
      show(found.link, fillReference(found.link), "Reference " + found.link.hash.slice("#ref-".length));
    } else {
      previewEntry(found.link);
    }
  }

  document.addEventListener("mouseover", function (event) {
    var found = trigger(event.target);
    // While the reader is in a popover by keyboard, the pointer passing over
    // another link does not take it away from them.
    if (found && found.link !== owner && !engaged()) {
      open(found);
    }
  });
  document.addEventListener("mouseout", function (event) {
    var found = trigger(event.target);
    if (found && !(event.relatedTarget instanceof Node && found.link.contains(event.relatedTarget))) {
      scheduleHide();
    }
  });
  document.addEventListener("focusin", function (event) {
    var found = trigger(event.target);
    if (found) {
      if (found.link !== dismissed) {
        dismissed = null;
        open(found);
      }
    } else if (!(popover && popover.contains(event.target))) {
      dismissed = null;
      hide();
    }
  });
  // Focus leaving the page (another window, or a click on no control).
  document.addEventListener("focusout", function (event) {
    if (owner && !event.relatedTarget && (event.target === owner || (popover && popover.contains(event.target)))) {
      hide();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && popover && !popover.hidden) {
      var back = owner;
      var inside = popover.contains(document.activeElement);
      // The trigger, focused again (or still), keeps it closed until focus leaves it.
      dismissed = inside || document.activeElement === back ? back : null;
      if (inside && back) {
        back.focus();
      }
      hide();
    }
  });
  // On a touch screen the first tap on a citation shows its reference; a
  // second tap on it follows the link.
  var lastPointer = "";
  var tapped = null;
  document.addEventListener("pointerdown", function (event) { lastPointer = event.pointerType; }, true);
  document.addEventListener("touchstart", function () { lastPointer = "touch"; }, { capture: true, passive: true });
  document.addEventListener("click", function (event) {
    var found = trigger(event.target);
    if (found && found.cite && lastPointer === "touch") {
      // Focus may have shown it already during this tap: count taps instead.
      if (tapped !== found.link) {
        tapped = found.link;
        event.preventDefault();
        event.stopPropagation();
        open(found);
      } else {
        tapped = null;
      }
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
    hide();
    if (jumped.path !== location.pathname) {
      jumped = { path: "", id: "" };
    }
    markJumped();
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
