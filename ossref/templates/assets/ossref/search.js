/*
 * ossref: the search box of option extra.ossref.search: pagefind.
 *
 * Drives the markup of partials/search.html (Material's search markup) with
 * Pagefind's JavaScript API. Nothing is fetched until the box gets focus; then
 * pagefind.js and its WebAssembly, and for each query only the index chunks
 * it needs and the fragments of the results shown, all from the site's own
 * folders: pagefind/ (titles and aliases) first, and pagefind-text/ (the whole
 * text, far larger chunks) only once the reader asks for the full text. Every
 * text from the index is written as text: titles with textContent, excerpts
 * rebuilt from text nodes and <mark> elements only.
 */
(function () {
  "use strict";

  var PAGE = 10;            // results rendered at a time, as Material does
  var SECTIONS = 3;         // matching sections shown under a result
  var DEBOUNCE = 300;       // ms of no typing before a search, Pagefind's default
  // Left out of a query (unless nothing else is left): they occur in nearly
  // every page name, so their index chunks are among the largest, and every
  // page name matching the other words contains them anyway.
  var STOP = /^(a|an|and|at|by|for|in|is|of|on|or|the|to|with)$/i;
  // Metadata fields that ossref fills with other spellings of a page's words
  // and the works it cites (ossref/site/search.py, PAGEFIND_FIELDS): searched but
  // never shown; the other spellings of a name weigh what the title does.
  var RANKING = { metaWeights: { ossref_names: 5.0, ossref_terms: 1.0 } };

  var script = document.currentScript;
  var box = document.querySelector("[data-ossref-search]");
  if (!script || !box || !window.URL) return;

  // This file is <site>/assets/ossref/search.js: the site's root and the
  // bundle are found from its own URL, so the site works from any folder.
  var root = new URL("../../", script.src);
  var bundle = new URL("pagefind/", root).href;
  var textBundle = new URL("pagefind-text/", root).href;
  var FULL_TEXT = "Search the full text of every page";
  var IN_FULL_TEXT = "in the full text";
  var UNAVAILABLE = "Search is not available: the search index could not be loaded.";

  var form = box.querySelector("[data-ossref-search-form]");
  var input = box.querySelector("[data-ossref-search-query]");
  var meta = box.querySelector("[data-ossref-search-meta]");
  var list = box.querySelector("[data-ossref-search-list]");
  var scroll = box.querySelector("[data-ossref-search-scroll]");
  var toggle = document.getElementById("__search");

  var translations = {};
  try {
    translations = JSON.parse(document.getElementById("__config").textContent).translations || {};
  } catch (e) { /* Material's defaults below */ }
  function t(key, fallback, count) {
    var text = translations[key] || fallback;
    return count === undefined ? text : text.replace("#", String(count));
  }

  var pagefind = null;      // promise of the Pagefind module, once focused
  var fullText = null;      // promise of the full-text instance, once asked for
  var mode = "names";       // or "text", from the reader's request to the next reset
  var current = 0;          // number of the latest query; older answers are dropped
  var pending = [];         // results not yet rendered
  var sentinel = null;

  function load() {
    if (!pagefind) {
      pagefind = import(bundle + "pagefind.js").then(function (module) {
        // No worker for the small first bundle: searching it takes
        // milliseconds, and the worker's script would add 40 KB to the
        // first search.
        return Promise.resolve(module.options({ noWorker: true, ranking: RANKING }))
          .then(function () { return module.init(); })
          .then(function () { return module; });
      });
      pagefind.catch(function () { meta.textContent = UNAVAILABLE; });
    }
    return pagefind;
  }

  function loadText() {
    if (!fullText) {
      fullText = load().then(function (module) {
        var instance = module.createInstance({ basePath: textBundle, ranking: RANKING });
        return Promise.resolve(instance.init()).then(function () { return instance; });
      });
    }
    return fullText;
  }

  function setOpen(open) {
    if (toggle && toggle.checked !== open) {
      toggle.checked = open;
      toggle.dispatchEvent(new Event("change"));
    }
  }

  // A same-site URL for a result, or null: results only ever link into the site.
  function link(url) {
    try {
      var resolved = new URL(url, root);
      return resolved.origin === root.origin ? resolved.href : null;
    } catch (e) {
      return null;
    }
  }

  // Pagefind excerpts are HTML: text with <mark> around the matched words.
  // Parsed into an inert document (no script runs, nothing loads), and only
  // its text and <mark> elements are copied over, as text.
  function excerpt(html) {
    var out = document.createElement("p");
    var doc = new DOMParser().parseFromString("<body>" + (html || ""), "text/html");
    (function copy(node) {
      node.childNodes.forEach(function (child) {
        if (child.nodeType === 3) {
          out.appendChild(document.createTextNode(child.nodeValue));
        } else if (child.nodeType === 1 && child.nodeName === "MARK") {
          var mark = document.createElement("mark");
          mark.textContent = child.textContent;
          out.appendChild(mark);
        } else if (child.nodeType === 1) {
          copy(child);
        }
      });
    })(doc.body);
    return out;
  }

  function article(href, heading, level, text) {
    var a = document.createElement("a");
    a.className = "md-search-result__link";
    a.tabIndex = -1;
    a.href = href;
    var body = document.createElement("article");
    body.className = "md-search-result__article md-typeset";
    if (level === 1) {
      var icon = document.createElement("div");
      icon.className = "md-search-result__icon md-icon";
      body.appendChild(icon);
    }
    var h = document.createElement(level === 1 ? "h1" : "h2");
    h.textContent = heading;
    body.appendChild(h);
    if (text) body.appendChild(excerpt(text));
    a.appendChild(body);
    return a;
  }

  function item(data) {
    var href = link(data.url);
    if (!href) return null;
    var li = document.createElement("li");
    li.className = "md-search-result__item";
    var title = (data.meta && data.meta.title) || data.url;
    li.appendChild(article(href, title, 1, data.excerpt));
    var shown = 0;
    (data.sub_results || []).forEach(function (sub) {
      var subHref = sub.url && sub.url.indexOf("#") >= 0 ? link(sub.url) : null;
      if (subHref && shown < SECTIONS && sub.title && sub.title !== title) {
        li.appendChild(article(subHref, sub.title, 2, sub.excerpt));
        shown += 1;
      }
    });
    return li;
  }

  // Renders the next PAGE results; each result's fragment is fetched only now.
  function more(query) {
    var batch = pending.splice(0, PAGE);
    if (sentinel) { sentinel.remove(); sentinel = null; }
    return Promise.all(batch.map(function (result) { return result.data(); })).then(function (found) {
      if (query !== current) return;
      found.forEach(function (data) {
        var li = item(data);
        if (li) list.appendChild(li);
      });
      if (pending.length) {
        sentinel = document.createElement("li");
        list.appendChild(sentinel);
        if (window.IntersectionObserver) {
          var watcher = new IntersectionObserver(function (entries) {
            if (entries.some(function (e) { return e.isIntersecting; })) {
              watcher.disconnect();
              if (query === current) more(query);
            }
          }, { root: scroll });
          watcher.observe(sentinel);
        }
      }
    });
  }

  function search(value) {
    var query = ++current;
    var text = value.trim();
    if (!text) {
      mode = "names";
      pending = [];
      list.textContent = "";
      meta.textContent = t("search.result.placeholder", "Type to start searching");
      return;
    }
    var words = text.split(/\s+/);
    var kept = words.filter(function (word) { return !STOP.test(word); });
    var terms = (kept.length ? kept : words).join(" ");
    (mode === "text" ? loadText() : load()).then(function (pf) {
      return pf.debouncedSearch(terms, {}, DEBOUNCE).then(function (answer) {
        return answer && kept.length === 1 && terms.indexOf('"') < 0 ? exactFirst(pf, terms, answer) : answer;
      });
    }).then(function (answer) {
      if (!answer || query !== current) return;
      var count = answer.results.length;
      meta.textContent = (count === 0 ? t("search.result.none", "No matching documents")
        : count === 1 ? t("search.result.one", "1 matching document")
        : t("search.result.other", "# matching documents", count)) + (mode === "text" ? " " + IN_FULL_TEXT : "");
      list.textContent = "";
      if (mode === "names") list.appendChild(switchToFullText());
      pending = answer.results.slice();
      return more(query);
    }).catch(function () { meta.textContent = UNAVAILABLE; });
  }

  // A word is also matched as the start of longer words, and Pagefind may rank
  // "abdominal" above the alias "ABD" itself: pages holding the word exactly
  // come first, each group in Pagefind's order (which weighs titles and
  // aliases; the quoted search does not). It reads the chunks already loaded.
  function exactFirst(pf, word, answer) {
    return pf.search('"' + word + '"').then(function (exact) {
      var seen = {};
      exact.results.forEach(function (result) { seen[result.id] = true; });
      var first = answer.results.filter(function (result) { return seen[result.id]; });
      var rest = answer.results.filter(function (result) { return !seen[result.id]; });
      return { results: first.concat(rest) };
    }, function () { return answer; });
  }

  // The way to the full text, first in the list (Material keeps the summary
  // of a "more" item in view while the list scrolls).
  function switchToFullText() {
    var li = document.createElement("li");
    var details = document.createElement("details");
    details.className = "md-search-result__more";
    var summary = document.createElement("summary");
    var label = document.createElement("div");
    label.textContent = FULL_TEXT;
    summary.appendChild(label);
    details.appendChild(summary);
    li.appendChild(details);
    details.addEventListener("toggle", function () {
      if (!details.open) return;
      mode = "text";
      meta.textContent = t("search.result.initializer", "Initializing search");
      search(input.value);
    });
    return li;
  }

  function links() {
    return Array.prototype.slice.call(list.querySelectorAll(".md-search-result__link, summary"));
  }

  input.addEventListener("focus", function () {
    // After the current click: the header's button is a label of the toggle,
    // and toggles it itself once its click handlers (focus, here) have run.
    setTimeout(function () { setOpen(true); }, 0);
    load();
  });
  input.addEventListener("input", function () { search(input.value); });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var first = list.querySelector(".md-search-result__link");
    if (first) first.click();
  });
  form.addEventListener("reset", function () {
    setTimeout(function () { search(""); input.focus(); }, 0);
  });
  list.addEventListener("click", function (ev) {
    if (ev.target.closest && ev.target.closest("a")) setOpen(false);
  });

  // Material's keys for its own search: "/", "s" or "f" to search, Escape to
  // close, the arrow keys to move between the results.
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var inside = box.contains(document.activeElement);
    if (!inside) {
      var target = ev.target;
      var editable = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
      if (!editable && (ev.key === "/" || ev.key === "s" || ev.key === "f")) {
        ev.preventDefault();
        input.focus();
      }
      return;
    }
    if (ev.key === "Escape") {
      setOpen(false);
      document.activeElement.blur();
    } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      var all = [input].concat(links());
      var at = all.indexOf(document.activeElement);
      var next = all[Math.max(0, Math.min(all.length - 1, at + (ev.key === "ArrowDown" ? 1 : -1)))];
      if (next) {
        ev.preventDefault();
        next.focus();
      }
    }
  });

  // Narrow screens open the search dialog with the header's button, a label
  // of the same toggle: focusing here brings up the on-screen keyboard.
  document.querySelectorAll("label[for=__search]").forEach(function (label) {
    if (!box.contains(label)) label.addEventListener("click", function () { input.focus(); });
  });
})();
