// Citation findings that lead to the text. On the edit page, choosing a finding's place
// ("Body, line 12") selects its marker or sentence in the field, scrolls the field to it
// and marks it in the preview when one is shown. On the desk and review pages, "Show in
// the article" marks a finding's sentence in the rendered article. Without this script
// the finding names the line and quotes the text. A file, not inline script (the CSP
// allows only 'self').
"use strict";
(function () {
  var HIGHLIGHT = "citation-finding";

  function article() {
    return document.querySelector(".preview-frame .article-body") ||
      document.querySelector(".article-body");
  }

  // The range [start, end) of `text` in the field: where the check found it, or, when the
  // text was edited since, the copy nearest to that place.
  function rangeInField(value, start, end, text) {
    if (value.slice(start, end) === text) {
      return [start, end];
    }
    var best = -1;
    for (var at = value.indexOf(text); at !== -1; at = value.indexOf(text, at + 1)) {
      if (best === -1 || Math.abs(at - start) < Math.abs(best - start)) {
        best = at;
      }
    }
    return best === -1 ? null : [best, best + text.length];
  }

  // Scrolls the textarea so that the line holding `start` shows in its upper third:
  // a hidden copy of the field, wrapped as it wraps, measures the text before it.
  function scrollFieldTo(field, start) {
    var style = window.getComputedStyle(field);
    var copy = document.createElement("div");
    ["fontFamily", "fontSize", "fontWeight", "lineHeight", "letterSpacing", "wordSpacing",
      "paddingTop", "paddingLeft", "paddingRight", "tabSize"].forEach(function (name) {
      copy.style[name] = style[name];
    });
    copy.style.boxSizing = "border-box";
    copy.style.width = field.clientWidth + "px";
    copy.style.whiteSpace = "pre-wrap";
    copy.style.overflowWrap = "break-word";
    copy.style.position = "absolute";
    copy.style.visibility = "hidden";
    copy.style.top = "0";
    copy.style.left = "-10000px";
    copy.textContent = field.value.slice(0, start) + "\u200b";
    document.body.appendChild(copy);
    var lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
    var top = copy.scrollHeight - lineHeight;
    document.body.removeChild(copy);
    field.scrollTop = Math.max(0, top - field.clientHeight / 3);
  }

  // The text nodes of `root` with their spacing collapsed, and for each character kept the
  // node and offset it came from, so that a sentence can be found across links and emphasis.
  // The article does not change once the page is shown: each is read once.
  var flattened = [];
  function flatten(root) {
    for (var k = 0; k < flattened.length; k += 1) {
      if (flattened[k].root === root) {
        return flattened[k];
      }
    }
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var flat = "";
    var places = [];
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      for (var i = 0; i < node.data.length; i += 1) {
        var space = /\s/.test(node.data[i]);
        if (space && (flat === "" || flat[flat.length - 1] === " ")) {
          continue;
        }
        flat += space ? " " : node.data[i];
        places.push([node, i]);
      }
    }
    flattened.push({root: root, text: flat, places: places});
    return flattened[flattened.length - 1];
  }

  // Where `wanted` is in the flattened text, at or after `from`: [index, length], or null.
  // Markdown's emphasis and code marks are not in the rendered text: tried without them too.
  function locate(flat, wanted, from) {
    var tries = [wanted, wanted.replace(/[*_`]/g, "")];
    for (var t = 0; t < tries.length; t += 1) {
      var needle = tries[t].replace(/\s+/g, " ").trim();
      var at = needle ? flat.text.indexOf(needle, from) : -1;
      if (at !== -1) {
        return [at, needle.length];
      }
    }
    return null;
  }

  function toRange(flat, found) {
    var first = flat.places[found[0]];
    var last = flat.places[found[0] + found[1] - 1];
    var range = document.createRange();
    range.setStart(first[0], first[1]);
    range.setEnd(last[0], last[1] + 1);
    return range;
  }

  // Marks the range with the CSS Custom Highlight API where the browser has it.
  function mark(range) {
    if (window.CSS && CSS.highlights && typeof Highlight === "function") {
      CSS.highlights.set(HIGHLIGHT, new Highlight(range));
    }
  }

  // In the article, the marker or sentence; a marker such as [1] occurs often, so it is
  // looked for inside its sentence first.
  function findInArticle(root, text, context) {
    var flat = flatten(root);
    var sentence = context ? locate(flat, context, 0) : null;
    if (sentence && text !== context) {
      var inside = locate(flat, text, sentence[0]);
      if (inside && inside[0] + inside[1] <= sentence[0] + sentence[1]) {
        return toRange(flat, inside);
      }
    }
    var found = sentence || locate(flat, text, 0);
    return found ? toRange(flat, found) : null;
  }

  document.querySelectorAll("a.finding-goto[data-finding-field]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var field = document.getElementById(link.getAttribute("data-finding-field"));
      if (!field || typeof field.setSelectionRange !== "function") {
        return;  // the link's own jump to the field
      }
      event.preventDefault();
      var text = link.getAttribute("data-finding-text");
      var found = rangeInField(field.value, Number(link.getAttribute("data-finding-start")),
        Number(link.getAttribute("data-finding-end")), text);
      field.scrollIntoView({block: "center"});
      field.focus({preventScroll: true});
      if (found) {
        field.setSelectionRange(found[0], found[1]);
        scrollFieldTo(field, found[0]);
      }
      var preview = document.querySelector(".preview-frame .article-body");
      if (preview && link.getAttribute("data-finding-field") === "body") {
        var range = findInArticle(preview, text, link.getAttribute("data-finding-context"));
        if (range) {
          mark(range);
        }
      }
    });
  });

  var root = article();
  document.querySelectorAll("button.finding-show").forEach(function (button) {
    var text = button.getAttribute("data-finding-text");
    var context = button.getAttribute("data-finding-context");
    if (!root || !findInArticle(root, text, context)) {
      return;  // nothing to show: the button stays hidden
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var range = findInArticle(root, text, context);
      if (range) {
        mark(range);
        var element = range.startContainer.parentElement;
        element.scrollIntoView({block: "center"});
      }
    });
  });
}());
