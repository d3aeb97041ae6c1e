// Live updates: the conversation page listens for new messages over SSE and reloads its timeline.
(function () {
  var timeline = document.getElementById("timeline");
  if (!timeline || !window.EventSource) return;
  var source = new EventSource("/ui/events?request=" + encodeURIComponent(timeline.dataset.request));
  source.addEventListener("message", function () {
    var typing = document.activeElement && document.activeElement.tagName === "TEXTAREA" && document.activeElement.value;
    if (!typing) window.location.reload();
  });
})();

// Saved replies: the one picked goes into the reply box, filled in for this request, to be read and sent.
(function () {
  var pick = document.getElementById("saved-replies");
  var box = pick && pick.form && pick.form.querySelector("textarea[name=text]");
  if (!box) return;
  pick.addEventListener("change", function () {
    var option = pick.options[pick.selectedIndex];
    if (!option || !option.value) return;
    var text = option.getAttribute("data-text");
    box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n\n" + text : text;
    pick.selectedIndex = 0;
    box.focus();
  });
})();
