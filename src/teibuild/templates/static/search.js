/* tei-build edition: the search page, on Pagefind's JavaScript API (../pagefind/pagefind.js).

   How Chinese is matched: the index holds overlapping pairs of Han characters,
   spelt in letters (teibuild.search.index.index_text); a query term is cut and
   spelt the same way and searched as a phrase, so 核酸 finds exactly the
   paragraphs that contain 核酸, whatever a word segmenter would make of them.
   Queries are folded to simplified characters first (search-data.json, from
   OpenCC), so 檢測 finds 检测. Results are paragraphs; each links to its anchor.
   The index is in shards (blocks of issues) merged into Pagefind's primary
   bundle, which holds no pages of its own; an overlay bundle holds issues edited
   since their shard was indexed, whose older records are left out of every search
   (search-data.json's "superseded", matched by each bundle's "layer" filter). */
(function () {
  "use strict";
  var root = document.getElementById("search");
  if (!root) { return; }
  var HAN = "\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{3134f}";
  var RUNS = new RegExp("[" + HAN + "]+|[^" + HAN + "\\s]+", "gu");
  var HAN_START = new RegExp("^[" + HAN + "]", "u");
  var KINDS = ["person", "place", "org"];
  var PAGE = 20;
  var hant = root.getAttribute("data-script") === "zh-Hant";
  var siteRoot = root.getAttribute("data-root") || "";
  var form = root.querySelector(".search-form");
  var input = root.querySelector("#search-q");
  var issueSelect = root.querySelector("#search-issue");
  var fromInput = root.querySelector("#search-from");
  var toInput = root.querySelector("#search-to");
  var sortSelect = root.querySelector("#search-sort");
  var status = root.querySelector(".search-status");
  var list = root.querySelector(".search-results");
  var more = root.querySelector(".search-more");
  var pagefind = null, data = null, chosen = {}, shown = [], pending = [], current = 0;

  function label(name, values) {
    var text = root.getAttribute("data-label-" + name) || "";
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  /* ---- queries ---- */

  function fold(text) {
    var table = (data && data.fold) || {};
    return Array.from(text).map(function (c) { return table[c] || c; }).join("");
  }
  function terms(query) {
    return query.trim().split(/\s+/).filter(Boolean);
  }
  /* A term as the index's words (teibuild.search.index.index_text): Han runs as overlapping pairs,
     each character spelt as four letters (base 26 of its code point). */
  function code(ch) {
    var n = ch.codePointAt(0), out = "";
    for (var k = 3; k >= 0; k--) { out += String.fromCharCode(97 + Math.floor(n / Math.pow(26, k)) % 26); }
    return out;
  }
  function indexWords(term) {
    var out = [], runs = term.match(RUNS) || [];
    runs.forEach(function (run, n) {
      if (!HAN_START.test(run)) { out.push(run); return; }
      var codes = Array.from(run).map(code), last = n === runs.length - 1;
      for (var i = 0; i + 1 < codes.length; i++) { out.push(codes[i] + codes[i + 1]); }
      // a run that the query itself ends also ends in the text: its last character is a word;
      // a term's last character alone is the prefix of the pair it begins (matched as a prefix,
      // so left out of a phrase and checked against the text instead: see showMore)
      if (!last || (codes.length === 1 && out.length === 0)) { out.push(codes[codes.length - 1]); }
    });
    return out;
  }
  /* One phrase per Pagefind query: the longest term; the others as plain words, checked later. */
  function pagefindQuery(terms_) {
    if (!terms_.length) { return null; }
    var longest = terms_.slice().sort(function (a, b) { return b.length - a.length; })[0];
    var phrase = indexWords(longest);
    var rest = terms_.filter(function (w) { return w !== longest; }).map(function (w) {
      return indexWords(w).join(" ");
    });
    return [phrase.length > 1 ? '"' + phrase.join(" ") + '"' : phrase.join(" ")].concat(rest).join(" ");
  }
  function containsAll(text, words) {
    var lower = text.toLowerCase();
    return words.every(function (w) { return lower.indexOf(w.toLowerCase()) >= 0; });
  }

  function filters() {
    var f = {};
    if (issueSelect.value) { f.issue = issueSelect.value; }
    var from = fromInput.value, to = toInput.value;
    if (from || to) {
      f.date = { any: allDates().filter(function (d) {
        return (!from || d >= from) && (!to || d <= to);
      }) };
      if (!f.date.any.length) { f.date = { any: ["0000-00-00"] }; }
    }
    KINDS.forEach(function (kind) {
      if (chosen[kind] && chosen[kind].length) { f[kind] = chosen[kind].slice(); }
    });
    return f;
  }
  function allDates() {
    var seen = {};
    Object.keys(data.issues).forEach(function (id) { seen[data.issues[id].date] = true; });
    return Object.keys(seen).sort();
  }
  function hasFilters(f) { return Object.keys(f).length > 0; }
  /* The reader's filters, and the records an overlay supersedes left out (teibuild.search.shards). */
  function searchFilters(f) {
    var superseded = (data && data.superseded) || {};
    var out = Object.assign({}, f), layers = Object.keys(superseded).sort();
    if (layers.length) {
      out.none = layers.map(function (layer) { return { layer: layer, issue: { any: superseded[layer] } }; });
    }
    return out;
  }

  /* Search the folded query, and the query as typed when folding changed it (乾隆 stays 乾隆). */
  async function run(query) {
    var typed = terms(query), folded = terms(fold(query));
    var f = filters(), options = { filters: searchFilters(f) };
    if (!folded.length && !hasFilters(f)) { return { results: [], filters: {}, words: [] }; }
    var variants = [folded];
    if (typed.join(" ") !== folded.join(" ")) { variants.push(typed); }
    var searches = await Promise.all(variants.map(function (words) {
      return pagefind.search(pagefindQuery(words), options);
    }));
    var seen = {}, results = [];
    searches.forEach(function (s) {
      s.results.forEach(function (r) { if (!seen[r.id]) { seen[r.id] = true; results.push(r); } });
    });
    // a result's id is its page's name, which sorts in date order (teibuild.search.canonical.page_name)
    if (sortSelect.value === "date") {
      results.sort(function (a, b) { return a.id < b.id ? -1 : a.id > b.id ? 1 : 0; });
    } else if (searches.length > 1) {
      results.sort(function (a, b) { return b.score - a.score; });
    }
    return { results: results, filters: searches[0].filters || {}, words: variants };
  }

  /* ---- results ---- */

  function ranges(text, variants) {
    var found = [];
    variants.forEach(function (words) {
      words.forEach(function (w) {
        var lower = text.toLowerCase(), needle = w.toLowerCase(), at = lower.indexOf(needle);
        while (needle && at >= 0) { found.push([at, at + needle.length]); at = lower.indexOf(needle, at + 1); }
      });
    });
    return found.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
  }

  /* An excerpt of the paragraph around its first match, matches marked; in the page's script. */
  function excerpt(meta, variants) {
    var text = meta.text || "";
    var shownText = hant && meta.text_hant && meta.text_hant.length === text.length ? meta.text_hant : text;
    var marks = ranges(text, variants);
    var start = marks.length ? Math.max(0, marks[0][0] - 30) : 0;
    var end = Math.min(text.length, start + 140);
    var p = el("p", "result-excerpt");
    if (start > 0) { p.appendChild(document.createTextNode("…")); }
    var pos = start;
    marks.forEach(function (m) {
      if (m[0] < pos || m[0] >= end) { return; }
      end = Math.max(end, m[1]);  // never cut a match in two
      p.appendChild(document.createTextNode(shownText.slice(pos, m[0])));
      p.appendChild(el("mark", "", shownText.slice(m[0], m[1])));
      pos = m[1];
    });
    p.appendChild(document.createTextNode(shownText.slice(pos, end)));
    if (end < text.length) { p.appendChild(document.createTextNode("…")); }
    return p;
  }

  function issueLabel(id, meta) {
    var issue = data.issues[id];
    return issue ? (hant ? issue.label_hant : issue.label) : meta.issue;
  }

  function item(d, variants) {
    var meta = d.meta || {};
    var url = meta.url || "";
    var issueId = url.replace(/^issues\//, "").replace(/\.html#.*$/, "");
    var li = el("li", "search-result");
    li.setAttribute("data-anchor", url.split("#")[1] || "");
    var source = el("p", "result-source");
    var issueLink = el("a", "", issueLabel(issueId, meta));
    issueLink.href = siteRoot + url.split("#")[0];
    source.appendChild(issueLink);
    if (meta.date) {
      source.appendChild(document.createTextNode(" · "));
      var time = el("time", "", meta.date);
      time.setAttribute("datetime", meta.date);
      source.appendChild(time);
    }
    if (meta.page) { source.appendChild(document.createTextNode(" · " + meta.page)); }
    var head = el("h2", "result-title");
    var link = el("a", "", (hant && meta.title_hant) || meta.title || url);
    link.href = siteRoot + url;
    head.appendChild(link);
    li.appendChild(head);
    li.appendChild(source);
    li.appendChild(excerpt(meta, variants));
    var cite = el("p", "result-id");
    cite.appendChild(el("code", "", li.getAttribute("data-anchor")));
    li.appendChild(cite);
    return li;
  }

  /* Load results in order, keep those that contain every term, until a page is full. */
  async function showMore(words, variants) {
    var added = 0;
    while (added < PAGE && current < pending.length) {
      var batch = pending.slice(current, current + PAGE);
      current += batch.length;
      var loaded = await Promise.all(batch.map(function (r) { return r.data(); }));
      loaded.forEach(function (d) {
        var text = (d.meta && d.meta.text) || "";
        if (!variants.some(function (v) { return containsAll(text, v); })) { return; }
        list.appendChild(item(d, variants));
        shown.push(d);
        added += 1;
      });
    }
    more.hidden = current >= pending.length;
    if (more.hidden && shown.length) {  // every result checked: the count is exact now
      status.textContent = label("count", { n: String(shown.length) });
    }
  }

  /* ---- facets ---- */

  function facetLabel(value) { return hant && data.hant[value] ? data.hant[value] : value; }

  function renderFacets(counts) {
    KINDS.forEach(function (kind) {
      var ul = root.querySelector('.facet[data-facet="' + kind + '"] ul');
      ul.textContent = "";
      var values = counts[kind] || {};
      var names = Object.keys(values).filter(function (v) { return values[v] > 0; });
      (chosen[kind] || []).forEach(function (v) { if (names.indexOf(v) < 0) { names.push(v); } });
      names.sort(function (a, b) { return (values[b] || 0) - (values[a] || 0) || (a < b ? -1 : 1); });
      names.forEach(function (value, n) {
        var li = el("li");
        if (n >= 12) { li.hidden = true; li.className = "facet-extra"; }
        var box = el("input");
        box.type = "checkbox";
        box.id = "facet-" + kind + "-" + n;
        box.value = value;
        box.checked = (chosen[kind] || []).indexOf(value) >= 0;
        box.addEventListener("change", function () {
          var list_ = chosen[kind] || (chosen[kind] = []);
          if (box.checked) { list_.push(value); } else { list_.splice(list_.indexOf(value), 1); }
          update();
        });
        var lab = el("label", "", facetLabel(value));
        lab.htmlFor = box.id;
        li.appendChild(box);
        li.appendChild(lab);
        li.appendChild(el("span", "count", String(values[value] || 0)));
        ul.appendChild(li);
      });
      if (names.length > 12) {
        var all = el("button", "facet-all", label("show-all"));
        all.type = "button";
        all.addEventListener("click", function () {
          ul.querySelectorAll(".facet-extra").forEach(function (x) { x.hidden = false; });
          all.remove();
        });
        ul.appendChild(el("li")).appendChild(all);
      }
      ul.parentNode.hidden = names.length === 0;
    });
  }

  /* ---- state ---- */

  function writeUrl() {
    var params = new URLSearchParams();
    if (input.value.trim()) { params.set("q", input.value.trim()); }
    if (issueSelect.value) { params.set("issue", issueSelect.value); }
    if (fromInput.value) { params.set("from", fromInput.value); }
    if (toInput.value) { params.set("to", toInput.value); }
    if (sortSelect.value) { params.set("sort", sortSelect.value); }
    KINDS.forEach(function (k) { (chosen[k] || []).forEach(function (v) { params.append(k, v); }); });
    var qs = params.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
  }
  function readUrl() {
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    issueSelect.value = params.get("issue") || "";
    fromInput.value = params.get("from") || "";
    toInput.value = params.get("to") || "";
    sortSelect.value = params.get("sort") || "";
    KINDS.forEach(function (k) { chosen[k] = params.getAll(k); });
  }

  var generation = 0;
  async function update() {
    var mine = ++generation;
    root.setAttribute("data-state", "busy");
    writeUrl();
    status.textContent = label("loading");
    var query = input.value;
    var outcome = await run(query);
    if (mine !== generation) { return; }
    list.textContent = "";
    shown = [];
    pending = outcome.results;
    current = 0;
    renderFacets(outcome.filters);
    if (!terms(query).length && !hasFilters(filters())) {
      status.textContent = "";
      more.hidden = true;
      root.setAttribute("data-state", "idle");
      return;
    }
    var words = terms(fold(query));
    await showMore(words, outcome.words);
    if (mine !== generation) { return; }
    // every result is checked against its text as it is shown: until all are, the count is Pagefind's
    var exact = current >= pending.length;
    var n = exact ? shown.length : pending.length;
    status.textContent = n ? label(exact ? "count" : "count-about", { n: String(n) })
                           : label("none", { q: query.trim() });
    root.setAttribute("data-state", "done");
  }

  function fillIssues() {
    var ids = Object.keys(data.issues).sort(function (a, b) {
      return data.issues[b].date < data.issues[a].date ? -1 : data.issues[b].date > data.issues[a].date ? 1 : 0;
    });
    ids.forEach(function (id) {
      var issue = data.issues[id];
      var option = el("option", "", (hant ? issue.label_hant : issue.label) + "（" + issue.date + "）");
      option.value = id;
      issueSelect.appendChild(option);
    });
    var dates = allDates();
    if (dates.length) {
      [fromInput, toInput].forEach(function (i) { i.min = dates[0]; i.max = dates[dates.length - 1]; });
    }
  }

  async function start() {
    if (location.protocol === "file:") {
      status.textContent = label("offline");
      root.setAttribute("data-state", "unavailable");
      return;
    }
    try {
      var bundle = new URL(root.getAttribute("data-bundle"), location.href).href;
      var responses = await Promise.all([
        import(bundle),
        fetch(new URL(root.getAttribute("data-data"), location.href).href).then(function (r) {
          if (!r.ok) { throw new Error(r.status); }
          return r.json();
        })]);
      pagefind = responses[0];
      data = responses[1];
      await pagefind.init();
      // the index is one Pagefind bundle per block of issues, searched as one (teibuild.search.shards)
      await Promise.all((data.shards || []).map(function (shard) {
        return pagefind.mergeIndex(new URL(shard + "/", bundle).href, { mergeFilter: { layer: shard } });
      }));
    } catch (e) {
      status.textContent = label("failed");
      root.setAttribute("data-state", "unavailable");
      return;
    }
    fillIssues();
    readUrl();
    form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
    [issueSelect, fromInput, toInput, sortSelect].forEach(function (c) {
      c.addEventListener("change", update);
    });
    more.addEventListener("click", function () {
      showMore(terms(fold(input.value)), [terms(fold(input.value)), terms(input.value)]);
    });
    await update();
    // Facet counts need every filter of every shard; a search loads only the filters it uses,
    // so the first results come without waiting for the rest, and the facets follow.
    await pagefind.filters();
    await refreshFacets();
    root.setAttribute("data-facets", "ready");
  }

  /* The facets of the current search again, now that every filter is loaded. */
  async function refreshFacets() {
    var mine = generation;
    if (!terms(input.value).length && !hasFilters(filters())) { return; }
    var outcome = await run(input.value);
    if (mine === generation) { renderFacets(outcome.filters); }
  }

  start();
})();
