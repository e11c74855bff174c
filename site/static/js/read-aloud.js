/* Read an article aloud with the browser's own speech (progressive enhancement: no speech, no buttons). */
(function () {
  "use strict";
  if (!("speechSynthesis" in window) || typeof window.SpeechSynthesisUtterance !== "function") {
    return;
  }

  function sentences(text) {
    // Chrome stops long utterances after about 15 seconds: speak sentence by sentence.
    var parts = text.replace(/\s+/g, " ").match(/[^。！？!?；;]+[。！？!?；;]?/g) || [];
    return parts.map(function (part) { return part.trim(); }).filter(Boolean);
  }

  function setUp(article) {
    var readLabel = article.getAttribute("data-read-label") || "朗读全文";
    var stopLabel = article.getAttribute("data-stop-label") || "停止朗读";
    var bar = document.createElement("p");
    bar.className = "read-aloud";
    var read = document.createElement("button");
    read.type = "button";
    read.textContent = readLabel;
    var stop = document.createElement("button");
    stop.type = "button";
    stop.textContent = stopLabel;
    stop.hidden = true;
    bar.appendChild(read);
    bar.appendChild(stop);
    var heading = article.querySelector("h1");
    if (heading && heading.parentNode === article) {
      heading.insertAdjacentElement("afterend", bar);
    } else {
      article.insertBefore(bar, article.firstChild);
    }

    function finished() {
      read.hidden = false;
      stop.hidden = true;
    }

    read.addEventListener("click", function () {
      window.speechSynthesis.cancel();
      bar.hidden = true; // innerText leaves out hidden elements: the buttons' own words are not read
      var queue = sentences(article.innerText || "");
      bar.hidden = false;
      if (!queue.length) { return; }
      queue.forEach(function (sentence, index) {
        var utterance = new window.SpeechSynthesisUtterance(sentence);
        utterance.lang = "zh-CN";
        utterance.rate = 0.9;
        if (index === queue.length - 1) {
          utterance.onend = finished;
        }
        utterance.onerror = finished;
        window.speechSynthesis.speak(utterance);
      });
      read.hidden = true;
      stop.hidden = false;
      stop.focus();
    });
    stop.addEventListener("click", function () {
      window.speechSynthesis.cancel();
      finished();
      read.focus();
    });
  }

  function start() {
    var article = document.querySelector("main [data-read-aloud]");
    if (!article) {
      var articles = document.querySelectorAll("main article");
      article = articles.length === 1 ? articles[0] : null;
    }
    if (article) { setUp(article); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.addEventListener("pagehide", function () { window.speechSynthesis.cancel(); });
})();
