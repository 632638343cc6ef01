"""What every city starts with: the shipped questionnaires, case categories and due-date rules."""

import sqlalchemy as sa

from ..extensions import db
from ..models import CaseCategory, CaseChannel, City, DueDateRule, Question, Questionnaire, QuestionnaireVersion, utcnow


def t(zh: str, en: str, vi: str, id_: str, th: str) -> dict:
    return {"zh_TW": zh, "en": en, "vi": vi, "id": id_, "th": th}


SCALE = [
    {"code": "5", "texts": t("非常滿意", "Very satisfied", "Rất hài lòng", "Sangat puas", "พอใจมาก")},
    {"code": "4", "texts": t("滿意", "Satisfied", "Hài lòng", "Puas", "พอใจ")},
    {"code": "3", "texts": t("普通", "Neutral", "Bình thường", "Biasa", "ปานกลาง")},
    {"code": "2", "texts": t("不滿意", "Dissatisfied", "Không hài lòng", "Tidak puas", "ไม่พอใจ")},
    {"code": "1", "texts": t("非常不滿意", "Very dissatisfied", "Rất không hài lòng", "Sangat tidak puas",
                             "ไม่พอใจมาก")},
]

REASONS = [
    {"code": "wait_long", "texts": t("等候太久", "Waited too long", "Chờ quá lâu", "Menunggu terlalu lama",
                                     "รอนานเกินไป")},
    {"code": "attitude", "texts": t("態度不佳", "Unfriendly staff", "Thái độ không tốt", "Sikap kurang baik",
                                    "ท่าทีไม่ดี")},
    {"code": "unclear", "texts": t("說明不清楚", "Explanation unclear", "Giải thích không rõ",
                                   "Penjelasan tidak jelas", "อธิบายไม่ชัดเจน")},
    {"code": "complicated", "texts": t("流程繁瑣", "Process too complicated", "Thủ tục rườm rà",
                                       "Prosedur rumit", "ขั้นตอนยุ่งยาก")},
    {"code": "facilities", "texts": t("環境設施", "Premises and facilities", "Môi trường, cơ sở vật chất",
                                      "Lingkungan dan fasilitas", "สภาพแวดล้อมและสิ่งอำนวยความสะดวก")},
    {"code": "other", "texts": t("其他", "Other", "Khác", "Lainnya", "อื่น ๆ")},
]

SEX = [
    {"code": "female", "texts": t("女", "Female", "Nữ", "Perempuan", "หญิง")},
    {"code": "male", "texts": t("男", "Male", "Nam", "Laki-laki", "ชาย")},
    {"code": "other", "texts": t("其他", "Other", "Khác", "Lainnya", "อื่น ๆ")},
]

AGE_GROUPS = [
    {"code": "under_20", "texts": t("未滿20歲", "Under 20", "Dưới 20", "Di bawah 20", "ต่ำกว่า 20 ปี")},
    {"code": "20_39", "texts": t("20–39歲", "20–39", "20–39", "20–39", "20–39 ปี")},
    {"code": "40_64", "texts": t("40–64歲", "40–64", "40–64", "40–64", "40–64 ปี")},
    {"code": "65_plus", "texts": t("65歲以上", "65 and over", "Từ 65 trở lên", "65 ke atas", "65 ปีขึ้นไป")},
]


def scale(code, texts, required=True):
    return {"code": code, "kind": "scale5", "role": "rating", "required": required, "texts": texts, "options": SCALE}


OVERALL = scale("overall", t("整體而言，您對今天的服務滿意嗎？", "Overall, how satisfied are you with today's service?",
                             "Nhìn chung, bạn có hài lòng với dịch vụ hôm nay không?",
                             "Secara keseluruhan, seberapa puas Anda dengan layanan hari ini?",
                             "โดยรวมแล้ว คุณพอใจกับบริการวันนี้หรือไม่"))
REASON_QUESTION = {
    "code": "reasons", "kind": "multi", "role": "reason", "required": False, "options": REASONS,
    "texts": t("請問不滿意的原因是？", "What was the problem?", "Lý do bạn không hài lòng là gì?",
               "Apa yang membuat Anda tidak puas?", "สาเหตุที่ไม่พอใจคืออะไร"),
}

QUESTIONNAIRES = [
    {
        "code": "counter", "kind": "counter", "anonymous": True,
        "names": t("戶政櫃檯服務滿意度調查", "Counter service survey", "Khảo sát mức độ hài lòng tại quầy",
                   "Survei kepuasan layanan loket", "แบบสำรวจความพึงพอใจบริการเคาน์เตอร์"),
        "questions": [
            scale("attitude", t("服務態度", "Staff attitude", "Thái độ phục vụ", "Sikap petugas", "ท่าทีการให้บริการ")),
            scale("competence", t("專業能力", "Competence", "Năng lực chuyên môn", "Kompetensi", "ความเชี่ยวชาญ")),
            scale("waiting", t("等候時間", "Waiting time", "Thời gian chờ", "Waktu tunggu", "ระยะเวลารอ")),
            scale("environment", t("洽公環境", "Premises", "Môi trường làm việc", "Lingkungan kantor",
                                   "สภาพแวดล้อมสถานที่")),
            OVERALL,
            REASON_QUESTION,
            {"code": "sex", "kind": "single", "role": "demographic", "required": False, "options": SEX,
             "texts": t("性別", "Sex", "Giới tính", "Jenis kelamin", "เพศ")},
            {"code": "age_group", "kind": "single", "role": "demographic", "required": False, "options": AGE_GROUPS,
             "texts": t("年齡", "Age", "Tuổi", "Usia", "อายุ")},
            {"code": "comment", "kind": "text", "role": "comment", "required": False, "options": [],
             "texts": t("其他意見（請勿填寫個人資料）", "Other comments (please leave out personal data)",
                        "Ý kiến khác (vui lòng không ghi thông tin cá nhân)",
                        "Komentar lain (mohon tanpa data pribadi)", "ความคิดเห็นอื่น ๆ (โปรดอย่าใส่ข้อมูลส่วนตัว)")},
        ],
    },
    {
        "code": "kiosk", "kind": "kiosk", "anonymous": True,
        "names": t("滿意度評分機", "Counter kiosk", "Máy đánh giá tại quầy", "Kios penilaian loket",
                   "เครื่องประเมินความพึงพอใจ"),
        "questions": [OVERALL, REASON_QUESTION],
    },
    {
        "code": "reply", "kind": "reply", "anonymous": False,
        "names": t("陳情案件處理滿意度", "Satisfaction with the reply to your case", "Mức độ hài lòng với phản hồi",
                   "Kepuasan atas jawaban kasus Anda", "ความพึงพอใจต่อการตอบกลับเรื่องร้องเรียน"),
        "questions": [scale("overall", t("您對本案的處理與回覆滿意嗎？",
                                         "How satisfied are you with how your case was handled?",
                                         "Bạn có hài lòng với cách xử lý và trả lời không?",
                                         "Seberapa puas Anda dengan penanganan kasus Anda?",
                                         "คุณพอใจกับการจัดการและการตอบกลับหรือไม่"))],
    },
    {
        "code": "staff", "kind": "staff", "anonymous": True,
        "names": t("內部顧客滿意度調查", "Staff satisfaction survey", "Khảo sát mức độ hài lòng của nhân viên",
                   "Survei kepuasan pegawai", "แบบสำรวจความพึงพอใจของบุคลากร"),
        "questions": [
            scale("support", t("行政支援", "Administrative support", "Hỗ trợ hành chính", "Dukungan administrasi",
                               "การสนับสนุนด้านธุรการ")),
            scale("cooperation", t("單位間協調合作", "Cooperation between units", "Phối hợp giữa các bộ phận",
                                   "Kerja sama antarunit", "ความร่วมมือระหว่างหน่วยงาน")),
            scale("environment", t("工作環境", "Work environment", "Môi trường làm việc", "Lingkungan kerja",
                                   "สภาพแวดล้อมการทำงาน")),
            OVERALL | {"texts": t("整體而言，您對工作支援滿意嗎？",
                                  "Overall, how satisfied are you with the support you get?",
                                  "Nhìn chung, bạn có hài lòng với sự hỗ trợ không?",
                                  "Secara keseluruhan, seberapa puas Anda dengan dukungan yang diterima?",
                                  "โดยรวมแล้ว คุณพอใจกับการสนับสนุนหรือไม่")},
        ],
    },
]

CATEGORIES = [
    ("counter_service", "櫃檯服務", "Counter service", "service"),
    ("staff_attitude", "服務態度", "Staff attitude", "service"),
    ("waiting_time", "等候時間", "Waiting time", "service"),
    ("facilities", "環境設施", "Facilities", "premises"),
    ("registration_rules", "戶籍法令", "Registration rules", "rules"),
    ("website", "網站與線上申辦", "Website and online services", "digital"),
    ("suggestion", "建議事項", "Suggestion", "other"),
    ("other", "其他", "Other", "other"),
]

# Taipei's rule: 6 working days for 1999, 單一陳情系統 and 市政信箱; 6 for every other channel.
DEFAULT_RULES = [
    (None, 6),
    (CaseChannel.HOTLINE_1999, 6),
    (CaseChannel.PETITION_SYSTEM, 6),
    (CaseChannel.MAYOR_MAILBOX, 6),
]


def ensure_city_defaults(city: City) -> None:
    """Give a city the shipped questionnaires, categories and rules it lacks (safe to run again)."""
    for spec in QUESTIONNAIRES:
        exists = db.session.scalar(
            sa.select(Questionnaire.id).where(Questionnaire.city_id == city.id, Questionnaire.code == spec["code"])
        )
        if exists:
            continue
        questionnaire = Questionnaire(city_id=city.id, code=spec["code"], kind=spec["kind"], names=spec["names"],
                                      anonymous=spec["anonymous"])
        version = QuestionnaireVersion(questionnaire=questionnaire, version=1, published_at=utcnow())
        for position, q in enumerate(spec["questions"], start=1):
            version.questions.append(Question(position=position, **q))
        db.session.add_all([questionnaire, version])
    for position, (code, zh, en, group) in enumerate(CATEGORIES):
        exists = db.session.scalar(
            sa.select(CaseCategory.id).where(CaseCategory.city_id == city.id, CaseCategory.code == code)
        )
        if not exists:
            db.session.add(CaseCategory(city_id=city.id, code=code, names={"zh_TW": zh, "en": en}, group=group,
                                        position=position))
    for channel, days in DEFAULT_RULES:
        exists = db.session.scalar(
            sa.select(DueDateRule.id).where(
                DueDateRule.city_id == city.id, DueDateRule.channel.is_(None) if channel is None
                else DueDateRule.channel == channel, DueDateRule.category_id.is_(None))
        )
        if not exists:
            db.session.add(DueDateRule(city_id=city.id, channel=channel, working_days=days))
    db.session.flush()
