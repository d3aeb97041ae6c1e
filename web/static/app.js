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
