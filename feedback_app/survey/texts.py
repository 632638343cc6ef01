"""The survey page's own words in five languages (the questions come from the questionnaire)."""

from kiosk.texts import TEXTS as KIOSK_TEXTS

from ..services.defaults import t

TEXTS = {
    "thanks": KIOSK_TEXTS["thanks"],
    "thanks_more": KIOSK_TEXTS["thanks_more"],
    "language": KIOSK_TEXTS["language"],
    "send": KIOSK_TEXTS["send"],
    "contact_intro": KIOSK_TEXTS["contact_intro"],
    "phone": KIOSK_TEXTS["phone"],
    "email": KIOSK_TEXTS["email"],
    "consent": KIOSK_TEXTS["consent"],
    "consent_ask": KIOSK_TEXTS["consent_ask"],
    "consent_yes": KIOSK_TEXTS["consent_yes"],
    "consent_no": KIOSK_TEXTS["consent_no"],
    "contact_dropped": KIOSK_TEXTS["contact_dropped"],
    "bad_phone": KIOSK_TEXTS["bad_phone"],
    "bad_email": KIOSK_TEXTS["bad_email"],
    "missing_answer": t(
        "這一題必填，請選擇一個答案。",
        "This question needs an answer.",
        "Câu này bắt buộc; vui lòng chọn một câu trả lời.",
        "Pertanyaan ini wajib dijawab.",
        "ข้อนี้จำเป็นต้องตอบ",
    ),
    "invalid_answer": t(
        "這個答案無法接受，請重新選擇。",
        "This answer cannot be accepted; please choose again.",
        "Câu trả lời này không hợp lệ; vui lòng chọn lại.",
        "Jawaban ini tidak dapat diterima; silakan pilih lagi.",
        "คำตอบนี้ใช้ไม่ได้ โปรดเลือกใหม่",
    ),
    "required": t("必填", "required", "bắt buộc", "wajib", "จำเป็น"),
    "optional": t("可不填", "optional", "không bắt buộc", "opsional", "ไม่บังคับ"),
    "fix": t(
        "請補上標示的題目後再送出。",
        "Please answer the marked questions and send again.",
        "Vui lòng trả lời các câu được đánh dấu rồi gửi lại.",
        "Mohon jawab pertanyaan yang ditandai lalu kirim lagi.",
        "โปรดตอบคำถามที่ทำเครื่องหมายไว้แล้วส่งอีกครั้ง",
    ),
    "used": t(
        "這個問卷連結已經填寫過或已過期，謝謝您！",
        "This survey link was already used or has expired. Thank you!",
        "Liên kết khảo sát này đã được dùng hoặc đã hết hạn. Cảm ơn bạn!",
        "Tautan survei ini sudah digunakan atau kedaluwarsa. Terima kasih!",
        "ลิงก์แบบสำรวจนี้ถูกใช้แล้วหรือหมดอายุแล้ว ขอบคุณ",
    ),
    "invalid": t(
        "這個問卷連結無效。",
        "This survey link is not valid.",
        "Liên kết khảo sát này không hợp lệ.",
        "Tautan survei ini tidak valid.",
        "ลิงก์แบบสำรวจนี้ไม่ถูกต้อง",
    ),
}


def text(key: str, lang: str) -> str:
    entry = TEXTS[key]
    return entry.get(lang) or entry["zh_TW"]
