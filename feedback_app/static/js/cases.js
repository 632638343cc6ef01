// Reply template picker: choosing a template fills the reply box (the text stays editable).
document.addEventListener("DOMContentLoaded", () => {
  const picker = document.querySelector(".template-picker");
  const reply = document.querySelector("textarea[name='reply-reply']");
  if (!picker || !reply) return;
  picker.addEventListener("change", () => {
    const template = document.querySelector(`template.reply-template[data-id="${picker.value}"]`);
    if (template && (!reply.value.trim() || window.confirm(picker.dataset.confirm || "Replace the reply text?"))) {
      reply.value = template.content.textContent.trim();
    }
  });
});
