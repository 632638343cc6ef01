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
    "still_there": t(
        "還在嗎？",
        "Are you still there?",
        "Bạn vẫn còn ở đây chứ?",
        "Apakah Anda masih di sini?",
        "คุณยังอยู่ไหม",
    ),
    "closing_in": t(
        "此畫面將在 {n} 秒後結束，已勾選和填寫的內容會送出。",
        "This screen closes in {n} s; what you ticked and typed is sent.",
        "Màn hình này sẽ đóng sau {n} giây; những gì bạn đã chọn và nhập sẽ được gửi.",
        "Layar ini akan ditutup dalam {n} detik; pilihan dan isian Anda akan dikirim.",
        "หน้าจอนี้จะปิดใน {n} วินาที สิ่งที่คุณเลือกและพิมพ์ไว้จะถูกส่ง",
    ),
    "more_time": t("我需要更多時間", "More time", "Thêm thời gian", "Tambah waktu", "ขอเวลาเพิ่ม"),
    "consent_ask": t(
        "您留了聯絡方式，但沒有勾選同意。本所可以用這些聯絡方式回覆您這件事嗎？",
        "You left contact details but did not tick the consent. May the office contact you about this?",
        "Bạn đã để lại thông tin liên hệ nhưng chưa đánh dấu đồng ý. "
        "Văn phòng có thể liên hệ với bạn về việc này không?",
        "Anda meninggalkan kontak tetapi belum mencentang persetujuan. "
        "Bolehkah kantor menghubungi Anda tentang hal ini?",
        "คุณฝากข้อมูลติดต่อไว้แต่ยังไม่ได้ติ๊กยินยอม สำนักงานติดต่อคุณเรื่องนี้ได้ไหม",
    ),
    "consent_yes": t(
        "同意，請聯絡我",
        "Yes, contact me",
        "Đồng ý, hãy liên hệ với tôi",
        "Ya, hubungi saya",
        "ยินยอม ติดต่อฉันได้",
    ),
    "consent_no": t(
        "不同意，不要留存",
        "No, do not keep them",
        "Không, đừng lưu lại",
        "Tidak, jangan simpan",
        "ไม่ยินยอม ไม่ต้องเก็บไว้",
    ),
    "contact_dropped": t(
        "您的聯絡方式沒有留存，本所不會聯絡您。",
        "Your contact details were not kept; the office will not contact you.",
        "Thông tin liên hệ của bạn không được lưu; văn phòng sẽ không liên hệ với bạn.",
        "Kontak Anda tidak disimpan; kantor tidak akan menghubungi Anda.",
        "ข้อมูลติดต่อของคุณไม่ได้ถูกเก็บไว้ สำนักงานจะไม่ติดต่อคุณ",
    ),
    "bad_phone": t(
        "電話號碼格式不正確，請檢查或清除。",
        "This is not a phone number; check it or clear it.",
        "Số điện thoại không đúng; vui lòng kiểm tra hoặc xóa.",
        "Nomor telepon tidak valid; periksa atau hapus.",
        "เบอร์โทรไม่ถูกต้อง โปรดตรวจสอบหรือลบออก",
    ),
    "bad_email": t(
        "電子郵件格式不正確，請檢查或清除。",
        "This is not an email address; check it or clear it.",
        "Email không đúng; vui lòng kiểm tra hoặc xóa.",
        "Alamat email tidak valid; periksa atau hapus.",
        "อีเมลไม่ถูกต้อง โปรดตรวจสอบหรือลบออก",
    ),
    "sex_age": t(
        "為了性別統計，方便告訴我們您的性別和年齡嗎？（可略過，您的評分已送出）",
        "For gender statistics, may we ask your sex and age? (you may skip; your rating is already sent)",
        "Để thống kê theo giới, bạn có thể cho biết giới tính và độ tuổi không? "
        "(có thể bỏ qua; đánh giá của bạn đã được gửi)",
        "Untuk statistik gender, bolehkah kami tahu jenis kelamin dan usia Anda? "
        "(boleh dilewati; penilaian Anda sudah terkirim)",
        "เพื่อสถิติด้านเพศ ขอทราบเพศและช่วงอายุของคุณได้ไหม (ข้ามได้ ผลการประเมินของคุณส่งแล้ว)",
    ),
    "sex": t("性別", "Sex", "Giới tính", "Jenis kelamin", "เพศ"),
    "age": t("年齡", "Age", "Tuổi", "Usia", "อายุ"),
}


def texts_for_page() -> dict:
    return TEXTS
