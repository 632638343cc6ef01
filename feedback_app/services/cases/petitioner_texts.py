"""The petitioner's words in the five languages of the counter (zh_TW, en, vi, id, th): every notice mailed to a
petitioner and the look-up page. Kept here, as the kiosk and the QR survey keep theirs, because the Babel catalogs
of the staff pages hold only Chinese and English. Values are filled in with `%`, as gettext's are."""

from flask import current_app

from ..defaults import SCALE, t

# The five languages of the counter, as the kiosk and the questionnaires name them.
LANGUAGES = ("zh_TW", "en", "vi", "id", "th")

TEXTS = {
    # The acknowledgement (收件確認).
    "ack_subject": t(
        "案件 %(number)s 收件確認",
        "Case %(number)s received",
        "Đã nhận hồ sơ %(number)s",
        "Kasus %(number)s telah diterima",
        "ได้รับเรื่อง %(number)s แล้ว",
    ),
    "ack_received": t(
        "我們已收到您的案件。",
        "We have received your case.",
        "Chúng tôi đã nhận được hồ sơ của bạn.",
        "Kami telah menerima kasus Anda.",
        "เราได้รับเรื่องของคุณแล้ว",
    ),
    "case_number_line": t(
        "案號：%(number)s", "Case number: %(number)s", "Số hồ sơ: %(number)s", "Nomor kasus: %(number)s",
        "เลขที่เรื่อง: %(number)s",
    ),
    "code_line": t(
        "查詢碼：%(code)s", "Lookup code: %(code)s", "Mã tra cứu: %(code)s", "Kode pencarian: %(code)s",
        "รหัสตรวจสอบ: %(code)s",
    ),
    "follow_line": t(
        "請至 %(url)s 以案號及查詢碼查詢案件進度。",
        "Follow your case at %(url)s with the case number and the lookup code.",
        "Theo dõi hồ sơ tại %(url)s bằng số hồ sơ và mã tra cứu.",
        "Pantau kasus Anda di %(url)s dengan nomor kasus dan kode pencarian.",
        "ติดตามเรื่องของคุณได้ที่ %(url)s ด้วยเลขที่เรื่องและรหัสตรวจสอบ",
    ),
    "due_line": t(
        "處理期限：%(date)s", "Due date: %(date)s", "Hạn xử lý: %(date)s", "Batas waktu: %(date)s",
        "กำหนดเสร็จ: %(date)s",
    ),
    "lookup_line": t(
        "案件進度請見 %(url)s",
        "Follow your case at %(url)s",
        "Theo dõi hồ sơ tại %(url)s",
        "Pantau kasus Anda di %(url)s",
        "ติดตามเรื่องของคุณได้ที่ %(url)s",
    ),
    # The reply (函復): the body is what staff wrote.
    "reply_subject": t(
        "案件 %(number)s 的回復",
        "Reply to your case %(number)s",
        "Trả lời hồ sơ %(number)s của bạn",
        "Jawaban atas kasus Anda %(number)s",
        "คำตอบสำหรับเรื่อง %(number)s ของคุณ",
    ),
    # An approved extension (展期).
    "extension_subject": t(
        "您的案件 %(number)s 需延長處理時間",
        "Your case %(number)s needs more time",
        "Hồ sơ %(number)s của bạn cần thêm thời gian",
        "Kasus Anda %(number)s memerlukan waktu lebih lama",
        "เรื่อง %(number)s ของคุณต้องใช้เวลาเพิ่มขึ้น",
    ),
    "extension_body": t(
        "您的案件 %(number)s 處理期限已展延至 %(date)s。",
        "The due date of your case %(number)s has been extended to %(date)s.",
        "Hạn xử lý hồ sơ %(number)s của bạn đã được gia hạn đến %(date)s.",
        "Batas waktu kasus Anda %(number)s telah diperpanjang hingga %(date)s.",
        "กำหนดเสร็จของเรื่อง %(number)s ของคุณขยายออกไปถึง %(date)s",
    ),
    "reason_line": t(
        "理由：%(reason)s", "Reason: %(reason)s", "Lý do: %(reason)s", "Alasan: %(reason)s", "เหตุผล: %(reason)s",
    ),
    # The due date passed with no reply and no approved extension (行政程序法 §51).
    "overdue_subject": t(
        "您的案件 %(number)s 尚未處理完成",
        "Your case %(number)s is taking longer than planned",
        "Hồ sơ %(number)s của bạn đang mất nhiều thời gian hơn dự kiến",
        "Kasus Anda %(number)s memerlukan waktu lebih lama dari rencana",
        "เรื่อง %(number)s ของคุณใช้เวลานานกว่าที่กำหนด",
    ),
    "overdue_body": t(
        "您的案件 %(number)s 已超過處理期限 %(due)s，我們仍在處理中，尚未能回復您，敬請見諒。",
        "Your case %(number)s has passed its due date of %(due)s. We are still working on it and have not "
        "been able to reply yet; we apologise.",
        "Hồ sơ %(number)s của bạn đã quá hạn xử lý %(due)s. Chúng tôi vẫn đang xử lý và chưa thể trả lời; "
        "xin thành thật xin lỗi.",
        "Kasus Anda %(number)s telah melewati batas waktu %(due)s. Kami masih menanganinya dan belum dapat "
        "menjawab; mohon maaf.",
        "เรื่อง %(number)s ของคุณเลยกำหนดเสร็จ %(due)s แล้ว เรายังดำเนินการอยู่และยังไม่สามารถตอบได้ ขออภัยมา ณ ที่นี้",
    ),
    "overdue_reason": t(
        "本案需要較多時間查證及協調，承辦單位仍在處理中。",
        "The case needs more time to check the facts and to coordinate; the unit in charge is still working on "
        "it.",
        "Hồ sơ cần thêm thời gian để xác minh và phối hợp; đơn vị phụ trách vẫn đang xử lý.",
        "Kasus ini memerlukan waktu lebih untuk pemeriksaan dan koordinasi; unit yang menangani masih "
        "mengerjakannya.",
        "เรื่องนี้ต้องใช้เวลาตรวจสอบและประสานงานมากขึ้น หน่วยงานที่รับผิดชอบยังดำเนินการอยู่",
    ),
    "expected_line": t(
        "預計回復日期：%(date)s",
        "Expected reply by: %(date)s",
        "Dự kiến trả lời trước: %(date)s",
        "Perkiraan jawaban paling lambat: %(date)s",
        "คาดว่าจะตอบภายใน: %(date)s",
    ),
    # Transfer to another agency (移文).
    "transfer_subject": t(
        "您的案件 %(number)s 已移請其他機關處理",
        "Your case %(number)s has been passed to another agency",
        "Hồ sơ %(number)s của bạn đã được chuyển cho cơ quan khác",
        "Kasus Anda %(number)s telah diteruskan ke instansi lain",
        "เรื่อง %(number)s ของคุณถูกส่งต่อไปยังหน่วยงานอื่นแล้ว",
    ),
    "transfer_body": t(
        "您的案件 %(number)s 已移請 %(agency)s 處理，後續將由該機關回復您。",
        "Your case %(number)s has been passed to %(agency)s, which will reply to you.",
        "Hồ sơ %(number)s của bạn đã được chuyển cho %(agency)s; cơ quan này sẽ trả lời bạn.",
        "Kasus Anda %(number)s telah diteruskan ke %(agency)s, yang akan menjawab Anda.",
        "เรื่อง %(number)s ของคุณถูกส่งต่อไปยัง %(agency)s ซึ่งจะตอบกลับคุณ",
    ),
    "contact_line": t(
        "聯絡方式：%(contact)s", "Contact: %(contact)s", "Liên hệ: %(contact)s", "Kontak: %(contact)s",
        "ติดต่อ: %(contact)s",
    ),
    # Merged as a duplicate (併案).
    "merge_subject": t(
        "您的案件 %(number)s 已併案處理",
        "Your case %(number)s is now handled with case %(into)s",
        "Hồ sơ %(number)s của bạn được xử lý chung với hồ sơ %(into)s",
        "Kasus Anda %(number)s kini ditangani bersama kasus %(into)s",
        "เรื่อง %(number)s ของคุณจะดำเนินการรวมกับเรื่อง %(into)s",
    ),
    "merge_body": t(
        "您的案件 %(number)s 與案件 %(into)s 為相同事項，已併入案件 %(into)s 一併處理，回復將以該案寄送。",
        "Your case %(number)s is about the same matter as case %(into)s and has been merged into it; the reply "
        "will come under case %(into)s.",
        "Hồ sơ %(number)s của bạn cùng nội dung với hồ sơ %(into)s và đã được gộp vào hồ sơ đó; câu trả lời "
        "sẽ được gửi theo hồ sơ %(into)s.",
        "Kasus Anda %(number)s membahas hal yang sama dengan kasus %(into)s dan telah digabungkan ke dalamnya; "
        "jawaban akan dikirim melalui kasus %(into)s.",
        "เรื่อง %(number)s ของคุณเป็นเรื่องเดียวกับเรื่อง %(into)s และถูกรวมเข้ากับเรื่องนั้นแล้ว "
        "คำตอบจะส่งภายใต้เรื่อง %(into)s",
    ),
    "merge_lookup": t(
        "您仍可用原案號及查詢碼查詢進度：%(url)s",
        "Your case number and lookup code still show its progress at %(url)s",
        "Bạn vẫn có thể tra cứu bằng số hồ sơ và mã tra cứu cũ tại %(url)s",
        "Nomor kasus dan kode pencarian Anda tetap dapat dipakai di %(url)s",
        "คุณยังใช้เลขที่เรื่องและรหัสตรวจสอบเดิมติดตามได้ที่ %(url)s",
    ),
    # The rating link once the case is closed.
    "rating_subject": t(
        "您對案件 %(number)s 的回復滿意嗎？",
        "How satisfied are you with the reply to case %(number)s?",
        "Bạn có hài lòng với câu trả lời cho hồ sơ %(number)s không?",
        "Seberapa puas Anda dengan jawaban atas kasus %(number)s?",
        "คุณพอใจกับคำตอบของเรื่อง %(number)s หรือไม่",
    ),
    "rating_body": t(
        "您的陳情案件 %(number)s 已結案，歡迎告訴我們您對回復的滿意程度：%(link)s\n",
        "Your case %(number)s is closed. Please tell us how satisfied you are with our reply: %(link)s\n",
        "Hồ sơ %(number)s của bạn đã hoàn tất. Hãy cho chúng tôi biết bạn hài lòng thế nào với câu trả lời: "
        "%(link)s\n",
        "Kasus Anda %(number)s telah selesai. Beri tahu kami seberapa puas Anda dengan jawaban kami: %(link)s\n",
        "เรื่อง %(number)s ของคุณปิดแล้ว โปรดบอกเราว่าคุณพอใจกับคำตอบเพียงใด: %(link)s\n",
    ),
    # The look-up page.
    "language": t("語言", "Language", "Ngôn ngữ", "Bahasa", "ภาษา"),
    "title": t("案件進度查詢", "Look up your case", "Tra cứu hồ sơ", "Cek kasus Anda", "ตรวจสอบเรื่องของคุณ"),
    "number": t("案號", "Case number", "Số hồ sơ", "Nomor kasus", "เลขที่เรื่อง"),
    "code": t("查詢碼", "Lookup code", "Mã tra cứu", "Kode pencarian", "รหัสตรวจสอบ"),
    "look_up": t("查詢", "Look up", "Tra cứu", "Cari", "ค้นหา"),
    "required": t(
        "請填寫此欄。", "Fill this in.", "Vui lòng điền mục này.", "Harap isi kolom ini.", "โปรดกรอกช่องนี้",
    ),
    "not_found": t(
        "沒有符合此案號與查詢碼的案件。",
        "No case matches that case number and lookup code.",
        "Không có hồ sơ khớp với số hồ sơ và mã tra cứu này.",
        "Tidak ada kasus dengan nomor dan kode pencarian tersebut.",
        "ไม่พบเรื่องที่ตรงกับเลขที่เรื่องและรหัสตรวจสอบนี้",
    ),
    "too_many": t(
        "嘗試次數過多，請稍後再試。",
        "Too many attempts; wait a while and try again.",
        "Quá nhiều lần thử; vui lòng chờ một lúc rồi thử lại.",
        "Terlalu banyak percobaan; tunggu sebentar lalu coba lagi.",
        "ลองหลายครั้งเกินไป โปรดรอสักครู่แล้วลองใหม่",
    ),
    "case_heading": t("案件 %(number)s", "Case %(number)s", "Hồ sơ %(number)s", "Kasus %(number)s",
                      "เรื่อง %(number)s"),
    "merged_into": t(
        "您的案件 %(number)s 已併入本案（%(into)s）一併處理。",
        "Your case %(number)s was merged into this case (%(into)s), which carries it on.",
        "Hồ sơ %(number)s của bạn đã được gộp vào hồ sơ này (%(into)s) để xử lý chung.",
        "Kasus Anda %(number)s telah digabungkan ke kasus ini (%(into)s) yang melanjutkannya.",
        "เรื่อง %(number)s ของคุณถูกรวมเข้ากับเรื่องนี้ (%(into)s) ซึ่งดำเนินการต่อ",
    ),
    "state": t("狀態", "State", "Trạng thái", "Status", "สถานะ"),
    "due": t("處理期限", "Due date", "Hạn xử lý", "Batas waktu", "กำหนดเสร็จ"),
    "history": t("處理經過", "What has happened", "Quá trình xử lý", "Riwayat penanganan", "ความคืบหน้า"),
    "our_reply": t("本機關回復", "Our reply", "Câu trả lời của chúng tôi", "Jawaban kami", "คำตอบของเรา"),
    "no_reply": t(
        "本機關尚未回復。", "We have not replied yet.", "Chúng tôi chưa trả lời.", "Kami belum menjawab.",
        "เรายังไม่ได้ตอบ",
    ),
    "rate_question": t(
        "您對本案的處理回復滿意嗎？",
        "How satisfied are you with the reply?",
        "Bạn có hài lòng với câu trả lời không?",
        "Seberapa puas Anda dengan jawaban kami?",
        "คุณพอใจกับคำตอบหรือไม่",
    ),
    "send_rating": t("送出評分", "Send rating", "Gửi đánh giá", "Kirim penilaian", "ส่งการประเมิน"),
    "rated": t(
        "您給本案回復的評分為 %(score)d 分（滿分 5 分）。",
        "You rated the reply %(score)d of 5.",
        "Bạn đã chấm câu trả lời %(score)d trên 5.",
        "Anda memberi nilai %(score)d dari 5 untuk jawaban ini.",
        "คุณให้คะแนนคำตอบ %(score)d จาก 5",
    ),
    "rating_thanks": t(
        "感謝您的評分。", "Thank you for rating the reply.", "Cảm ơn bạn đã đánh giá câu trả lời.",
        "Terima kasih atas penilaian Anda.", "ขอบคุณสำหรับการประเมินคำตอบ",
    ),
    "choose_score": t(
        "請選擇 1 到 5 分。", "Choose a score from 1 to 5.", "Vui lòng chọn điểm từ 1 đến 5.",
        "Pilih nilai 1 sampai 5.", "โปรดเลือกคะแนน 1 ถึง 5",
    ),
    "already_rated": t(
        "本案回復已評分過。", "This reply has been rated already.", "Câu trả lời này đã được đánh giá.",
        "Jawaban ini sudah dinilai.", "คำตอบนี้ได้รับการประเมินแล้ว",
    ),
    # The states as the petitioner sees them.
    "state:received": t("已收件", "Received", "Đã tiếp nhận", "Diterima", "รับเรื่องแล้ว"),
    "state:in_progress": t("處理中", "Being handled", "Đang xử lý", "Sedang ditangani", "กำลังดำเนินการ"),
    "state:replied": t("已函復", "Replied", "Đã trả lời", "Sudah dijawab", "ตอบแล้ว"),
    "state:closed": t("已結案", "Closed", "Đã hoàn tất", "Selesai", "ปิดเรื่องแล้ว"),
    "state:transferred": t(
        "已移文其他機關", "Passed to another agency", "Đã chuyển cơ quan khác", "Diteruskan ke instansi lain",
        "ส่งต่อหน่วยงานอื่นแล้ว",
    ),
    # The turns of the case, as the look-up page lists them.
    "turn:created": t("收件", "Case received", "Tiếp nhận hồ sơ", "Kasus diterima", "รับเรื่อง"),
    "turn:extension": t(
        "處理期限展延至 %(date)s", "Due date extended to %(date)s", "Gia hạn xử lý đến %(date)s",
        "Batas waktu diperpanjang hingga %(date)s", "ขยายกำหนดเสร็จถึง %(date)s",
    ),
    "turn:overdue": t(
        "已逾處理期限，預計 %(date)s 前回復",
        "Past the due date; reply expected by %(date)s",
        "Đã quá hạn; dự kiến trả lời trước %(date)s",
        "Melewati batas waktu; jawaban diperkirakan paling lambat %(date)s",
        "เลยกำหนดเสร็จ คาดว่าจะตอบภายใน %(date)s",
    ),
    "turn:transferred": t(
        "移請 %(agency)s 處理", "Passed to %(agency)s", "Chuyển cho %(agency)s", "Diteruskan ke %(agency)s",
        "ส่งต่อไปยัง %(agency)s",
    ),
    "turn:merged_here": t(
        "案件 %(number)s 併入本案", "Case %(number)s merged into this one", "Hồ sơ %(number)s được gộp vào đây",
        "Kasus %(number)s digabungkan ke kasus ini", "เรื่อง %(number)s ถูกรวมเข้ากับเรื่องนี้",
    ),
    "turn:replied": t("函復", "Replied", "Đã trả lời", "Dijawab", "ตอบแล้ว"),
    "turn:closed": t("結案", "Closed", "Hoàn tất", "Selesai", "ปิดเรื่อง"),
    "turn:reopened": t("重新處理", "Taken up again", "Xử lý lại", "Ditangani kembali", "ดำเนินการใหม่"),
}

# The states as the petitioner sees them: the steps of internal handling are one "being handled".
PUBLIC_STATES = {"assigned": "in_progress", "in_progress": "in_progress", "reopened": "in_progress"}


def language_of(value: str | None) -> str | None:
    """One of the five languages from a code as clients send it (vi, vi-VN, zh-TW, zh_Hant_TW, th_TH); None else."""
    code = (value or "").strip().replace("-", "_")
    if not code:
        return None
    if code in LANGUAGES:
        return code
    lowered = code.lower()
    if lowered.startswith("zh") and ("tw" in lowered or "hant" in lowered):
        return "zh_TW"
    base = lowered.split("_")[0]
    return base if base in LANGUAGES and base != "zh" else None


def office_language() -> str:
    default = current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_TW")
    return default if default in LANGUAGES else "zh_TW"


def case_language(case) -> str:
    """The language the petitioner used, else the office's."""
    return case.petitioner_locale if case.petitioner_locale in LANGUAGES else office_language()


def text(key: str, lang: str | None, **values) -> str:
    entry = TEXTS[key]
    words = entry.get(lang or "") or entry["zh_TW"]
    return words % values if values else words


def state_text(state: str, lang: str) -> str:
    return text(f"state:{PUBLIC_STATES.get(state, state)}", lang)


def scale_texts(lang: str) -> list[tuple[int, str]]:
    """The five answers of the rating, best first, as the kiosk words them."""
    return [(int(option["code"]), option["texts"].get(lang) or option["texts"]["zh_TW"]) for option in SCALE]
