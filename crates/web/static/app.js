// Lành Mạng: the only script. Everything works without it; it adds confirmations before
// actions that cannot be undone in one click. The question sits on the form, or on the button
// pressed when a form has several ("Lưu" and "Lưu và gửi Phòng").
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter;
  var question = (button && button.getAttribute && button.getAttribute("data-confirm")) ||
    (form && form.getAttribute && form.getAttribute("data-confirm"));
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
