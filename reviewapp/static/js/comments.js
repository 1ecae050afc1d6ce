// Comment on a selected passage: when the reviewer selects text in the rendered
// revision, the comment form's hidden fields get the passage, the text just
// before and after it, and where it is (thousandths of the text); the server
// finds it in the revision's Markdown. Without this script the reviewer
// chooses a paragraph. A file, not inline script (the CSP allows only 'self').
"use strict";
(function () {
  var CONTEXT = 32;
  var form = document.getElementById("comment-form");
  if (!form) {
    return;
  }
  var source = document.querySelector(form.getAttribute("data-passage-source"));
  if (!source) {
    return;
  }
  var field = function (name) {
    return form.querySelector("[name='" + name + "']");
  };
  var box = document.getElementById("selected-passage");
  var shown = document.getElementById("selected-passage-text");
  var paragraph = document.getElementById("paragraph-choice");
  var how = document.getElementById("comment-how");

  // The article's text without its title (first child) and its reference list.
  function textBounds() {
    var range = document.createRange();
    range.selectNodeContents(source);
    var title = source.firstElementChild;
    if (title && /^H[1-6]$/.test(title.tagName)) {
      range.setStartAfter(title);
    }
    var references = source.querySelector("ol.references");
    if (references) {
      var heading = references.previousElementSibling;
      range.setEndBefore(heading && /^H[1-6]$/.test(heading.tagName) ? heading : references);
    }
    return range;
  }

  function show(quote) {
    shown.textContent = quote;
    box.hidden = !quote;
    paragraph.hidden = !!quote;
    how.textContent = quote
      ? "Your comment will be on the selected passage."
      : "Select a passage of the revision above, or choose its paragraph.";
  }

  function clear() {
    ["quote", "prefix", "suffix", "position"].forEach(function (name) {
      field(name).value = "";
    });
    show("");
  }

  function take() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return; // a click elsewhere (in the comment box) keeps the passage chosen
    }
    var chosen = selection.getRangeAt(0);
    var bounds = textBounds();
    if (chosen.compareBoundaryPoints(Range.START_TO_START, bounds) < 0 ||
        chosen.compareBoundaryPoints(Range.END_TO_END, bounds) > 0) {
      return; // outside the article's text: its title, references or the page around it
    }
    var quote = selection.toString().replace(/\s+/g, " ").trim();
    if (!quote) {
      return;
    }
    var before = bounds.cloneRange();
    before.setEnd(chosen.startContainer, chosen.startOffset);
    var after = bounds.cloneRange();
    after.setStart(chosen.endContainer, chosen.endOffset);
    var beforeText = before.toString();
    var total = beforeText.length + chosen.toString().length + after.toString().length;
    field("quote").value = quote;
    field("prefix").value = beforeText.slice(-CONTEXT);
    field("suffix").value = after.toString().slice(0, CONTEXT);
    field("position").value = total ? Math.round(1000 * beforeText.length / total) : 0;
    show(quote);
  }

  document.addEventListener("selectionchange", take);
  document.getElementById("clear-passage").addEventListener("click", clear);
  show(field("quote").value); // a refused form comes back with its passage
})();
