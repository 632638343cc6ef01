"""The kiosk's own words in the five languages of the counter (the questions come from the questionnaire)."""

from feedback_app.services.defaults import t

LANGUAGES = ("zh_TW", "en", "vi", "id", "th")

TEXTS = {
    "thanks": t(
        "謝謝您的評分！",
        "Thank you for your rating!",
        "Cảm ơn bạn đã đánh giá!",
        "Terima kasih atas penilaian Anda!",
        "ขอบคุณสำหรับการประเมิน",
    ),
    "thanks_more": t(
        "您的意見會幫助我們改善服務。",
        "Your opinion helps us improve.",
        "Ý kiến của bạn giúp chúng tôi cải thiện.",
        "Pendapat Anda membantu kami menjadi lebih baik.",
        "ความคิดเห็นของคุณช่วยให้เราปรับปรุงบริการ",
    ),
    "why": t(
        "可以告訴我們原因嗎？（可略過）",
        "Can you tell us why? (you may skip)",
        "Bạn có thể cho biết lý do không? (có thể bỏ qua)",
        "Bisakah Anda memberi tahu alasannya? (boleh dilewati)",
        "บอกเหตุผลได้ไหม (ข้ามได้)",
    ),
    "contact_intro": t(
        "如果希望我們回電或回信，請留下電話或電子郵件（可不填）。",
        "If you would like us to call or write back, leave a phone number or email (optional).",
        "Nếu muốn chúng tôi liên hệ lại, hãy để lại số điện thoại hoặc email (không bắt buộc).",
        "Jika ingin kami hubungi kembali, tinggalkan nomor telepon atau email (opsional).",
        "หากต้องการให้เราติดต่อกลับ โปรดฝากเบอร์โทรหรืออีเมล (ไม่บังคับ)",
    ),
    "phone": t("電話", "Phone", "Điện thoại", "Telepon", "โทรศัพท์"),
    "email": t("電子郵件", "Email", "Email", "Email", "อีเมล"),
    "consent": t(
        "我同意本所用這些聯絡方式回覆我，只用在這件事。",
        "I agree that the office may contact me about this, and only about this.",
        "Tôi đồng ý để văn phòng liên hệ với tôi về việc này, và chỉ việc này.",
        "Saya setuju kantor menghubungi saya tentang hal ini saja.",
        "ฉันยินยอมให้สำนักงานติดต่อกลับเฉพาะเรื่องนี้",
    ),
    "send": t("送出", "Send", "Gửi", "Kirim", "ส่ง"),
    "skip": t("略過", "Skip", "Bỏ qua", "Lewati", "ข้าม"),
    "language": t("語言", "Language", "Ngôn ngữ", "Bahasa", "ภาษา"),
    "not_paired": t(
        "本機尚未配對，評分會先保存在本機。",
        "This kiosk is not paired yet; ratings are kept on it.",
        "Máy chưa được ghép nối; đánh giá được lưu trên máy.",
        "Kios belum dipasangkan; penilaian disimpan di perangkat.",
        "เครื่องยังไม่ได้จับคู่ ผลการประเมินถูกเก็บไว้ในเครื่อง",
    ),
    "closed": t(
        "本櫃檯已停止服務，不再接受評分。請洽其他櫃檯，謝謝。",
        "This counter is closed and no longer takes ratings. Please go to another counter.",
        "Quầy này đã ngừng phục vụ và không nhận đánh giá. Vui lòng đến quầy khác.",
        "Loket ini sudah ditutup dan tidak menerima penilaian. Silakan ke loket lain.",
        "เคาน์เตอร์นี้ปิดให้บริการและไม่รับการประเมินแล้ว โปรดติดต่อเคาน์เตอร์อื่น",
    ),
}


def texts_for_page() -> dict:
    return TEXTS
