"""Writes ``embeddings_labelled.json``: the labelled retrieval set for the embeddings engine.

Two templates, as a customer would upload them: rental listings (160, 40 per language) and help-centre passages
(40, 10 per language), in English, Spanish, Thai and Japanese, plus 48 queries (12 per language) whose relevant
ids follow from the records' attributes. Every listing pairs one city with one distinctive feature, and each
listing query paraphrases that feature (it never repeats the listing's wording), so a query has exactly one right
answer. The phrase banks below were written by hand; this script only combines them, so the JSON stays
reproducible: ``python tests/data/build_embeddings_labelled.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("embeddings_labelled.json")

# Per language: cities, property types (apartment, house, studio), currency-scaled prices, and ten features as
# (wording in the listing, paraphrase a renter would type).
LANGS: dict[str, dict[str, Any]] = {
    "en": {
        "cities": ["Dallas", "Austin", "Houston", "Denver"],
        "types": ["apartment", "house", "studio"],
        "price": (900, 250),
        "features": [
            ("a private balcony overlooking the lake", "lake view"),
            ("cats and dogs welcome, fenced back yard", "pet friendly place with a yard for my dog"),
            ("a five minute walk to the light rail station", "close to the train for commuting"),
            ("rooftop swimming pool and gym in the building", "building with a pool and fitness center"),
            ("rented fully furnished with brand new appliances", "furnished rental I can move into right away"),
            ("a dedicated home office and fiber internet", "workspace for remote work"),
            ("covered parking for two cars with an EV charger", "garage where I can charge my electric car"),
            ("walking distance to top rated elementary schools", "near good schools for my kids"),
            ("washer and dryer inside the unit", "in-unit laundry"),
            ("a renovated kitchen with quartz countertops", "modern updated kitchen"),
        ],
        "fillers": [
            "Quiet street with cafes nearby.",
            "Available from the first of next month.",
            "Lots of natural light all day.",
            "Twelve month lease preferred.",
            "Water and trash included in the rent.",
        ],
        "notes": "Landlord {n} wants a credit check; do not quote below asking price.",
    },
    "es": {
        "cities": ["Madrid", "Barcelona", "Valencia", "Sevilla"],
        "types": ["piso", "casa", "estudio"],
        "price": (650, 150),
        "features": [
            ("un balcón privado con vistas al mar", "piso con vista al mar"),
            ("se admiten perros y gatos, jardín vallado", "vivienda donde pueda vivir con mi perro"),
            ("a cinco minutos andando del metro", "cerca de una estación de metro"),
            ("piscina comunitaria en la azotea y gimnasio", "edificio con piscina y gimnasio"),
            ("se alquila totalmente amueblado con electrodomésticos nuevos", "alquiler amueblado para entrar ya"),
            ("despacho independiente y fibra óptica", "espacio para teletrabajar"),
            ("plaza de garaje doble con cargador para coche eléctrico", "aparcamiento para cargar mi coche eléctrico"),
            ("junto a colegios de primaria muy bien valorados", "cerca de buenos colegios para los niños"),
            ("lavadora y secadora dentro de la vivienda", "con lavadora propia en casa"),
            ("cocina reformada con encimera de cuarzo", "cocina moderna recién renovada"),
        ],
        "fillers": [
            "Calle tranquila con cafeterías cerca.",
            "Disponible a partir del mes que viene.",
            "Mucha luz natural durante todo el día.",
            "Se prefiere contrato de un año.",
            "Comunidad incluida en el precio.",
        ],
        "notes": "El propietario {n} pide aval bancario; no bajar del precio.",
    },
    "th": {
        "cities": ["กรุงเทพ", "เชียงใหม่", "ภูเก็ต", "พัทยา"],
        "types": ["คอนโด", "บ้านเดี่ยว", "สตูดิโอ"],
        "price": (8000, 3000),
        "features": [
            ("ระเบียงส่วนตัววิวทะเล", "ห้องเห็นวิวทะเล"),
            ("เลี้ยงสุนัขและแมวได้ มีสวนล้อมรั้ว", "ที่พักที่เลี้ยงหมาได้"),
            ("เดินห้านาทีถึงสถานีรถไฟฟ้า", "ใกล้รถไฟฟ้า เดินทางไปทำงานสะดวก"),
            ("สระว่ายน้ำบนดาดฟ้าและฟิตเนสในอาคาร", "อาคารที่มีสระว่ายน้ำและยิม"),
            ("ตกแต่งครบพร้อมเครื่องใช้ไฟฟ้าใหม่", "ห้องเฟอร์นิเจอร์ครบพร้อมเข้าอยู่ทันที"),
            ("มีห้องทำงานแยกและอินเทอร์เน็ตไฟเบอร์", "มีมุมทำงานสำหรับทำงานจากบ้าน"),
            ("ที่จอดรถในร่มสองคันพร้อมที่ชาร์จรถยนต์ไฟฟ้า", "ที่จอดรถที่ชาร์จรถไฟฟ้าได้"),
            ("ใกล้โรงเรียนประถมชื่อดัง เดินถึง", "ใกล้โรงเรียนดีๆ สำหรับลูก"),
            ("มีเครื่องซักผ้าและเครื่องอบผ้าในห้อง", "มีเครื่องซักผ้าในห้องพัก"),
            ("ห้องครัวรีโนเวทใหม่ ท็อปหินควอตซ์", "ครัวทันสมัยเพิ่งปรับปรุงใหม่"),
        ],
        "fillers": [
            "ซอยเงียบ ใกล้ร้านกาแฟ",
            "ว่างตั้งแต่ต้นเดือนหน้า",
            "แสงธรรมชาติเข้าตลอดวัน",
            "ต้องการสัญญาเช่าหนึ่งปี",
            "รวมค่าส่วนกลางแล้ว",
        ],
        "notes": "เจ้าของ {n} ขอเงินประกันสามเดือน ห้ามลดราคา",
    },
    "ja": {
        "cities": ["東京", "大阪", "京都", "福岡"],
        "types": ["マンション", "一戸建て", "ワンルーム"],
        "price": (60000, 20000),
        "features": [
            ("海が見える専用バルコニー付き", "オーシャンビューの部屋"),
            ("犬猫飼育可、フェンス付きの庭あり", "犬と一緒に住める物件"),
            ("最寄り駅まで徒歩5分", "駅近で通勤に便利"),
            ("屋上プールとジム完備", "プールとフィットネスがある建物"),
            ("家具家電付き、家電はすべて新品", "家具付きですぐ入居できる部屋"),
            ("独立した書斎と光回線あり", "テレワーク用のワークスペース"),
            ("屋根付き駐車場2台分とEV充電器", "電気自動車を充電できる駐車場"),
            ("評判の良い小学校まで徒歩圏内", "子供のために良い学校の近く"),
            ("室内に洗濯機と乾燥機あり", "部屋の中で洗濯できる"),
            ("リフォーム済みキッチン、クォーツ天板", "新しくリノベーションされた台所"),
        ],
        "fillers": [
            "静かな通りでカフェも近い。",
            "来月1日から入居可能。",
            "一日中日当たり良好。",
            "1年契約希望。",
            "管理費込みの家賃です。",
        ],
        "notes": "オーナー{n}は保証会社必須、値下げ不可。",
    },
}

TITLE = {
    "en": lambda t, b, c: f"Studio in {c}" if b == 0 else f"{b}-bedroom {t} in {c}",
    "es": lambda t, b, c: f"Estudio en {c}" if b == 0 else f"{t.capitalize()} de {b} dormitorios en {c}",
    "th": lambda t, b, c: f"สตูดิโอใน{c}" if b == 0 else f"{t} {b} ห้องนอน ใน{c}",
    "ja": lambda t, b, c: f"{c}のワンルーム" if b == 0 else f"{c}の{b}LDK{t}",
}
DESCRIPTION = {
    "en": lambda t, c, f, x: f"Bright {t} in {c} with {f}. {x}",
    "es": lambda t, c, f, x: f"Luminoso {t} en {c}: {f}. {x}",
    "th": lambda t, c, f, x: f"{t}ใน{c} {f} {x}",
    "ja": lambda t, c, f, x: f"{c}の{t}。{f}。{x}",
}
QUERY = {
    "en": lambda f, c: f"{f} in {c}",
    "es": lambda f, c: f"{f} en {c}",
    "th": lambda f, c: f"{f} ที่{c}",
    "ja": lambda f, c: f"{c}で{f}",
}

# Help-centre passages: (title, content, a question a user types that the passage answers).
DOCS: dict[str, list[tuple[str, str, str]]] = {
    "en": [
        ("Getting started", "Sign up, open Settings and press Create key to get an API key. Send it as a Bearer "
         "token with every request.", "where do I find my api key"),
        ("Credits and pricing", "Usage is paid with credits. One hundred credits cost one US dollar and never "
         "expire.", "how much does a credit cost in dollars"),
        ("Refunds", "Failed jobs are refunded automatically. For other charges, contact support within 30 days.",
         "can I get my money back for a failed render"),
        ("Webhooks", "Register a callback URL and we POST the result to your server when a job completes, signed "
         "with your secret.", "notify my server when processing is done"),
        ("Rate limits", "Each account may send 60 requests per minute; above that the API answers HTTP 429.",
         "why do I get too many requests errors"),
        ("Deleting data", "Delete a template to erase its records and vectors immediately; deletion is free.",
         "remove the listings I uploaded"),
        ("Subtitle languages", "Captions can be generated in English, Spanish, Thai, Japanese, Arabic and Hindi.",
         "which languages can captions be in"),
        ("Render times", "A 30 second 1080p video usually renders in under a minute on the default server.",
         "how long does it take to make a video"),
        ("Team workspaces", "Owners can invite colleagues by email and give each one a role: admin or member.",
         "add coworkers to my account"),
        ("Password reset", "Use Forgot password on the login page; the reset link is valid for one hour.",
         "I cannot remember my login password"),
    ],
    "es": [
        ("Primeros pasos", "Regístrate, abre Ajustes y pulsa Crear clave para obtener una clave de API. Envíala "
         "como token Bearer en cada petición.", "dónde consigo mi clave de api"),
        ("Créditos y precios", "El uso se paga con créditos. Cien créditos cuestan un dólar y no caducan.",
         "cuánto cuesta un crédito en dólares"),
        ("Reembolsos", "Los trabajos fallidos se reembolsan automáticamente. Para otros cargos, escribe a soporte "
         "en 30 días.", "me devuelven el dinero si falla un vídeo"),
        ("Webhooks", "Registra una URL de retorno y enviaremos el resultado a tu servidor cuando termine el trabajo.",
         "avisar a mi servidor cuando acabe el proceso"),
        ("Límites de uso", "Cada cuenta puede enviar 60 peticiones por minuto; por encima la API responde 429.",
         "por qué recibo errores de demasiadas solicitudes"),
        ("Borrar datos", "Elimina una plantilla para borrar al instante sus registros y vectores; es gratis.",
         "quitar los anuncios que subí"),
        ("Idiomas de subtítulos", "Los subtítulos pueden generarse en inglés, español, tailandés, japonés, árabe e "
         "hindi.", "en qué idiomas pueden salir los subtítulos"),
        ("Tiempos de render", "Un vídeo de 30 segundos en 1080p suele estar listo en menos de un minuto.",
         "cuánto tarda en hacerse un vídeo"),
        ("Equipos", "Los propietarios invitan a compañeros por correo y asignan un rol: administrador o miembro.",
         "añadir compañeros de trabajo a mi cuenta"),
        ("Restablecer contraseña", "Usa Olvidé mi contraseña en la página de acceso; el enlace vale una hora.",
         "no recuerdo la contraseña para entrar"),
    ],
    "th": [
        ("เริ่มต้นใช้งาน", "สมัครสมาชิก เปิดการตั้งค่า แล้วกดสร้างคีย์เพื่อรับคีย์ API ส่งคีย์เป็น Bearer token ทุกคำขอ",
         "จะหาคีย์ api ได้ที่ไหน"),
        ("เครดิตและราคา", "การใช้งานชำระด้วยเครดิต หนึ่งร้อยเครดิตราคาหนึ่งดอลลาร์สหรัฐ และไม่มีวันหมดอายุ",
         "เครดิตราคาเท่าไหร่"),
        ("การคืนเงิน", "งานที่ล้มเหลวจะได้รับเงินคืนอัตโนมัติ กรณีอื่นติดต่อฝ่ายสนับสนุนภายใน 30 วัน",
         "วิดีโอเรนเดอร์ไม่สำเร็จขอเงินคืนได้ไหม"),
        ("เว็บฮุค", "ลงทะเบียน URL สำหรับ callback แล้วระบบจะส่งผลลัพธ์ไปยังเซิร์ฟเวอร์ของคุณเมื่องานเสร็จ",
         "แจ้งเตือนเซิร์ฟเวอร์เมื่อประมวลผลเสร็จ"),
        ("ขีดจำกัดการเรียกใช้", "แต่ละบัญชีส่งได้ 60 คำขอต่อนาที หากเกินกว่านั้น API จะตอบกลับ 429",
         "ทำไมขึ้นข้อผิดพลาดคำขอมากเกินไป"),
        ("การลบข้อมูล", "ลบเทมเพลตเพื่อลบข้อมูลและเวกเตอร์ทั้งหมดทันที การลบไม่มีค่าใช้จ่าย",
         "ลบประกาศที่อัปโหลดไว้"),
        ("ภาษาของคำบรรยาย", "สร้างคำบรรยายได้เป็นภาษาอังกฤษ สเปน ไทย ญี่ปุ่น อาหรับ และฮินดี",
         "ซับไตเติลรองรับภาษาอะไรบ้าง"),
        ("เวลาในการเรนเดอร์", "วิดีโอ 30 วินาทีความละเอียด 1080p มักเรนเดอร์เสร็จภายในหนึ่งนาที",
         "ทำวิดีโอหนึ่งตัวใช้เวลานานแค่ไหน"),
        ("ทีมงาน", "เจ้าของบัญชีเชิญเพื่อนร่วมงานทางอีเมลและกำหนดบทบาทผู้ดูแลหรือสมาชิกได้",
         "เพิ่มเพื่อนร่วมงานเข้าบัญชี"),
        ("รีเซ็ตรหัสผ่าน", "กดลืมรหัสผ่านที่หน้าเข้าสู่ระบบ ลิงก์รีเซ็ตใช้ได้หนึ่งชั่วโมง",
         "จำรหัสผ่านเข้าระบบไม่ได้"),
    ],
    "ja": [
        ("はじめに", "登録後、設定を開いて「キーを作成」を押すとAPIキーが発行されます。"
         "各リクエストにBearerトークンとして付けてください。",
         "APIキーはどこで取得できますか"),
        ("クレジットと料金", "利用料金はクレジットで支払います。100クレジットは1米ドルで、有効期限はありません。",
         "クレジットは1ドルで何枚"),
        ("返金", "失敗したジョブは自動的に返金されます。その他の請求は30日以内にサポートへご連絡ください。",
         "動画の生成に失敗したらお金は戻りますか"),
        ("Webhook", "コールバックURLを登録すると、ジョブ完了時に結果をあなたのサーバーへPOSTします。",
         "処理が終わったらサーバーに通知してほしい"),
        ("レート制限", "各アカウントは1分あたり60リクエストまで送信でき、超えるとAPIは429を返します。",
         "リクエストが多すぎるというエラーが出る"),
        ("データの削除", "テンプレートを削除すると、レコードとベクトルが即座に消去されます。削除は無料です。",
         "アップロードした物件情報を消したい"),
        ("字幕の言語", "字幕は英語、スペイン語、タイ語、日本語、アラビア語、ヒンディー語で作成できます。",
         "字幕は何語に対応していますか"),
        ("レンダリング時間", "30秒の1080p動画は通常1分以内にレンダリングが完了します。",
         "動画を作るのにどれくらい時間がかかる"),
        ("チーム", "オーナーはメールで同僚を招待し、管理者またはメンバーの役割を割り当てられます。",
         "同僚をアカウントに追加したい"),
        ("パスワードの再設定", "ログイン画面の「パスワードを忘れた」から再設定できます。リンクの有効期限は1時間です。",
         "ログインのパスワードを忘れました"),
    ],
}

# Listing queries target (city index, feature index); every other one also carries exact filters.
QUERY_PAIRS = [(i % 4, (i * 3 + 1) % 10) for i in range(8)]


def _listing(lang: str, c: int, f: int) -> dict[str, Any]:
    bank = LANGS[lang]
    kind = (c + f) % 3
    bedrooms = 0 if kind == 2 else 1 + (c * 3 + f) % 4
    base, step = bank["price"]
    city, ptype = bank["cities"][c], bank["types"][kind]
    return {
        "id": f"{lang}-L{c}{f}",
        "lang": lang,
        "title": TITLE[lang](ptype, bedrooms, city),
        "description": DESCRIPTION[lang](ptype, city, bank["features"][f][0], bank["fillers"][(c + 2 * f) % 5]),
        "price": base + step * ((c * 7 + f * 3) % 10),
        "city": city,
        "bedrooms": bedrooms,
        "property_type": ptype,
        "internal_notes": bank["notes"].format(n=f"#{c}{f}"),
        "owner": {"email": f"owner{c}{f}@{lang}.example.com", "phone": f"+1-555-01{c}{f}"},
    }


def _filters(lang: str, i: int, rec: dict[str, Any]) -> dict[str, Any] | None:
    if i % 2:
        return None
    cities = LANGS[lang]["cities"]
    shapes: list[dict[str, Any]] = [
        {"city": rec["city"], "price": {"max": rec["price"] + LANGS[lang]["price"][1]}},
        {"bedrooms": {"min": rec["bedrooms"]}, "city": [rec["city"], cities[(cities.index(rec["city"]) + 1) % 4]]},
        {"price": {"min": rec["price"] - 1, "max": rec["price"] * 2}},
        {"city": rec["city"], "property_type": rec["property_type"]},
    ]
    return shapes[(i // 2) % len(shapes)]


def build() -> dict[str, Any]:
    listings: list[dict[str, Any]] = []
    docs: list[dict[str, Any]] = []
    queries: list[dict[str, Any]] = []
    for lang, bank in LANGS.items():
        listings += [_listing(lang, c, f) for c in range(4) for f in range(10)]
        for i, (c, f) in enumerate(QUERY_PAIRS):
            rec = _listing(lang, c, f)
            q: dict[str, Any] = {"template": "listings", "lang": lang, "relevant": [rec["id"]],
                                 "query": QUERY[lang](bank["features"][f][1], bank["cities"][c])}
            filters = _filters(lang, i, rec)
            if filters:
                q["search_params"] = filters
            queries.append(q)
        for j, (title, content, question) in enumerate(DOCS[lang]):
            doc_id = f"{lang}-D{j}"
            docs.append({"id": doc_id, "lang": lang, "url": f"https://help.example.com/{lang}/{j}",
                         "title": title, "content": content})
            if j % 10 in (0, 3, 6, 9):
                queries.append({"template": "docs", "lang": lang, "relevant": [doc_id], "query": question})
    return {
        "about": __doc__.strip().splitlines()[0],
        "templates": {
            "listings": {
                "field_options": {
                    "title": {"searchable": True},
                    "description": {"searchable": True},
                    "city": {"searchable": True, "filterable": True},
                    "price": {"filterable": True},
                    "bedrooms": {"filterable": True},
                    "property_type": {"filterable": True},
                    "internal_notes": {"searchable": False, "retrievable": False},
                    "owner.email": {"retrievable": False},
                },
                "records": listings,
            },
            "docs": {
                "field_options": {"title": {"searchable": True}, "content": {"searchable": True}},
                "records": docs,
            },
        },
        "queries": queries,
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n")
    data = json.loads(OUT.read_text())
    n = sum(len(t["records"]) for t in data["templates"].values())
    print(f"wrote {OUT}: {n} records, {len(data['queries'])} queries")
