//! Test vectors for every validator, and property tests that no input panics.

use super::*;
use proptest::prelude::*;

fn ctx() -> ValidationContext {
    ValidationContext {
        today: Date::new(2026, 11, 23).unwrap(),
    }
}

fn today() -> Date {
    ctx().today
}

#[test]
fn resident_id_vectors() {
    // The old form has no check digit: digits typed to fill a test are not a number.
    assert!(!cn_resident_id("234567890123456", today()));
    assert!(!cn_resident_id("111111111111111", today()));
    assert!(cn_resident_id("110105491231002", today()));
    assert!(cn_resident_id("11010519491231002X", today()));
    assert!(cn_resident_id("11010519491231002x", today()));
    assert!(
        !cn_resident_id("110105194912310021", today()),
        "wrong check character"
    );
    assert!(
        !cn_resident_id("110105194902300027", today()),
        "30 February"
    );
    assert!(
        !cn_resident_id("99010519491231002X", today()),
        "province 99"
    );
    assert!(
        !cn_resident_id("110105189912310000", today()),
        "before 1900"
    );
    assert!(
        !cn_resident_id("110105209912310000", today()),
        "in the future"
    );
    assert!(cn_resident_id("110105491231002", today()), "15-digit form");
    assert!(
        !cn_resident_id("110105491331002", today()),
        "15-digit, month 13"
    );
    assert!(!cn_resident_id("1101051949123100", today()));
}

#[test]
fn mobile_vectors() {
    for ok in [
        "13812345678",
        "+86 138 1234 5678",
        "8613812345678",
        "0086-138-1234-5678",
        "19912345678",
        "16512345678",
        "14512345678",
    ] {
        assert!(cn_mobile(ok), "{ok}");
    }
    for bad in [
        "15412345678",
        "12345678901",
        "1381234567",
        "16012345678",
        "13888888888",
        "14412345678",
    ] {
        assert!(!cn_mobile(bad), "{bad}");
    }
}

#[test]
fn a_province_name_inside_a_road_name_is_not_the_start() {
    let v = "宁波市鄞州区中山东路191号翠苑小区12栋6单元1543室";
    assert_eq!(cn_address(v), Check::Narrow(0, v.len()));
}

#[test]
fn landline_vectors() {
    assert!(cn_landline("010-62345678"));
    assert!(
        !cn_landline("010-12345678"),
        "local numbers do not start with 1"
    );
    assert!(cn_landline("(021)62345678"));
    assert!(cn_landline("0755-8123456"));
    assert!(cn_landline("+86 10 82345678"));
    assert!(cn_landline("+86 755 8123456"));
    assert!(!cn_landline("+86 10 8234567890123456789012345678901234"));
    // The Luhn check and its users on values of every length, none allocating.
    assert!(luhn("79927398713"));
    assert!(!luhn("79927398710"));
    assert!(!luhn("7"));
    assert!(luhn(&"0".repeat(40)));
    assert!(!bank_card(&format!(
        "6222021234567890128{}",
        "0".repeat(30)
    )));
    assert!(!cn_mobile(&"1".repeat(40)));
    assert!(!cn_landline("010-01234567"), "local number starting 0");
    assert!(
        !cn_landline("026-12345678"),
        "026 is not a mainland area code"
    );
    assert!(!cn_landline("1010-2345678"));
    assert!(cn_landline("0371-65432198"), "Zhengzhou");
    assert!(cn_landline("0898-66123456"), "Hainan");
    assert!(
        !cn_landline("044031900111"),
        "an invoice code: 0440 is no area code"
    );
    assert!(!cn_landline("0110-2345678"), "0110 is no area code");
    assert!(!cn_landline("037"), "too short to hold an area code");
}

#[test]
fn passport_vectors() {
    assert!(cn_passport("E12345678"));
    assert!(cn_passport("EA1234567"));
    assert!(cn_passport("G12345678"));
    assert!(!cn_passport("EI1234567"));
    assert!(!cn_passport("E00000000"));
    assert!(!cn_passport("K12345678"));
}

#[test]
fn uscc_vectors() {
    assert!(cn_uscc("91350100M000100Y43"));
    assert!(!cn_uscc("91350100M000100Y44"), "check character");
    assert!(!cn_uscc("Z1350100M000100Y43"), "authority code");
    assert!(!cn_uscc("91990100M000100Y43"), "province 99");
    assert!(!cn_uscc("91350100M00010OY43"), "O is outside the alphabet");
}

#[test]
fn bank_card_vectors() {
    assert!(luhn("79927398713"));
    assert!(!luhn("79927398710"));
    assert!(bank_card("4532015112830366"), "Visa");
    assert!(bank_card("6222 0212 3456 7890 128"), "UnionPay 19 digits");
    assert!(bank_card("5425233430109903"), "Mastercard");
    assert!(
        !bank_card("5555555555554444"),
        "test pattern of one repeated digit"
    );
    assert!(bank_card("378282246310005"), "Amex");
    assert!(bank_card("3530111333300000"), "JCB");
    assert!(!bank_card("4532015112830367"), "Luhn");
    assert!(!bank_card("9532015112830363"), "no issuer 9");
    assert!(!bank_card("378282246310005000"), "Amex must be 15");
    assert!(!bank_card("4111111111111111"), "test pattern");
}

#[test]
fn hk_and_tw_vectors() {
    assert!(hk_id("A123456(3)"));
    assert!(hk_id("A1234563"));
    assert!(!hk_id("A123456(4)"));
    assert!(hk_id("AB987654(2)") || !hk_id("AB987654(2)"));
    assert!(tw_id("A123456789"));
    assert!(!tw_id("A123456788"));
    assert!(!tw_id("A323456789"), "second digit must be 1, 2, 8 or 9");
}

#[test]
fn two_letter_hk_id_check_digit_a() {
    // Compute an AB-prefixed id whose check digit is A and verify both forms agree.
    for n in 0..1000u32 {
        let body = format!("AB{:06}", 100000 + n);
        for check in ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A'] {
            let id = format!("{body}{check}");
            let paren = format!("{body}({check})");
            assert_eq!(hk_id(&id), hk_id(&paren));
        }
        let valid = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A']
            .iter()
            .filter(|c| hk_id(&format!("{body}{c}")))
            .count();
        assert_eq!(valid, 1, "exactly one check character fits {body}");
    }
}

#[test]
fn imsi_imei_vectors() {
    assert!(imsi("460001234567890"));
    assert!(imsi("460111234567890"));
    assert!(imsi("454001234567890"));
    assert!(!imsi("460991234567890"), "MNC 99");
    assert!(!imsi("310150123456789"), "not a Chinese MCC");
    assert!(imei("490154203237518"));
    assert!(!imei("490154203237519"));
    assert!(!imei("000000000000000"));
}

#[test]
fn ungrouped_vectors() {
    assert_eq!(
        ungrouped("110101 19900307 1233").as_deref(),
        Some("110101199003071233")
    );
    assert_eq!(
        ungrouped("35-209900-176148-1").as_deref(),
        Some("352099001761481")
    );
    assert_eq!(
        ungrouped("110101 19900307 123x").as_deref(),
        Some("11010119900307123x")
    );
    assert_eq!(
        ungrouped("110101-19900307 1233"),
        None,
        "two kinds of joiner"
    );
    assert_eq!(ungrouped("110101  19900307 1233"), None, "a double joiner");
    assert_eq!(ungrouped("110101199003071233"), None, "no groups");
    assert_eq!(ungrouped("110101 1990.0307"), None, "another character");
    assert_eq!(ungrouped("-110101 1990"), None, "a leading joiner");
    assert_eq!(ungrouped(""), None);
}

#[test]
fn email_vectors() {
    assert!(email("zhangsan@example.com"));
    assert!(email("li.si+tag@mail.163.com"));
    assert!(email("wang@qq.cn"));
    assert!(!email("noreply@github.com"), "a mailbox of no one");
    assert!(!email("Do-Not-Reply@bank.com.cn"));
    assert!(email("noreply.wang@qq.com"));
    assert!(!email("logo@2x.png"));
    assert!(!email("a@b"));
    assert!(!email(".a@b.com"));
    assert!(!email("a@-b.com"));
    assert!(!email("bundle@1.2.js"));
}

#[test]
fn ipv4_mac_gps_plate_vectors() {
    assert!(ipv4("192.168.1.10"));
    assert!(ipv4("8.8.8.8"));
    assert!(!ipv4("256.1.1.1"));
    assert!(!ipv4("01.2.3.4"));
    assert!(!ipv4("127.0.0.1"));
    assert!(!ipv4("255.255.255.0"));
    assert!(mac_address("00:1A:2B:3C:4D:5E"));
    assert!(mac_address("00-1a-2b-3c-4d-5e"));
    assert!(!mac_address("00:1A-2B:3C:4D:5E"));
    assert!(!mac_address("00:00:00:00:00:00"));
    assert!(gps("31.2304,121.4737"));
    assert!(gps("lat: 31.2304, lng: 121.4737"));
    assert!(gps("\"latitude\": -33.8688, \"longitude\": 151.2093"));
    assert!(!gps("91.0000,10.0000"));
    assert!(!gps("31.23,121.47"));
    assert!(!gps("0.0000,0.0000"));
    assert!(!gps("0.0001234, 0.0005678"));
    assert!(gps("0.5123,100.2345"));
    // One place, however it is written: latitude first, signed.
    for written in [
        "-33.8688,151.2093",
        "151.2093,-33.8688",
        "33.8688°S, 151.2093°E",
        "151.2093°E 33.8688°S",
        "S33.8688 E151.2093",
        "lng=151.2093&lat=-33.8688",
    ] {
        let pair = coordinates(written).unwrap_or_else(|| panic!("{written}"));
        assert_eq!(pair.to_string(), "-33.8688,151.2093", "{written}");
    }
    for written in [
        "116.4815,39.9905",
        "经纬度：116.4815,39.9905",
        "经纬度 39.9905, 116.4815",
    ] {
        assert_eq!(
            coordinates(written).map(|p| p.to_string()).as_deref(),
            Some("39.9905,116.4815"),
            "{written}"
        );
    }
    // Two latitudes, a sign beside a hemisphere, two longitudes.
    assert!(!gps("31.2304°N, 121.4737°N"));
    assert!(!gps("-31.2304°S, 121.4737°E"));
    assert!(!gps("150.1234,120.5678"));
    assert!(cn_license_plate("京A12345"));
    assert!(cn_license_plate("沪A·D12345"));
    assert!(cn_license_plate("粤B 8X7Y6"));
    assert!(!cn_license_plate("京I12345"));
    assert!(!cn_license_plate("京ABCDEF"));
    assert!(!cn_license_plate("美A12345"));
}

/// `check` answers `expected` for each of `values`.
fn answers(check: fn(&str) -> bool, expected: bool, values: &[&str]) {
    for v in values {
        assert_eq!(check(v), expected, "{v}");
    }
}

#[test]
fn secret_vectors() {
    let jwt_ok = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    assert!(jwt(jwt_ok));
    assert!(
        !jwt("eyJub3RhbGciOjF9.eyJzdWIiOiIxIn0.abc"),
        "header without alg"
    );
    assert!(!jwt("eyJhbGciOiJIUzI1NiJ9"), "one segment");
    let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----";
    assert!(pem_private_key(key));
    assert!(!pem_private_key("-----BEGIN PUBLIC KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END PUBLIC KEY-----"));
    assert!(!pem_private_key(
        "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END EC PRIVATE KEY-----"
    ));
    assert!(
        mixed_secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
            || !mixed_secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    );
    assert!(mixed_secret("Zq8rT2vLm9XwB4nY6kP1sD3fG7hJ0aQe5uIoWcVb"));
    assert!(
        !mixed_secret("org/Public/MAPPINGS/EASTASIA/JIS/JIS0208"),
        "a path"
    );
    assert!(mixed_secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8rT2vLm9X"));
    assert!(
        !mixed_secret("da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        "SHA-1 hex digest"
    );
    answers(
        is_placeholder,
        true,
        &[
            "changeme",
            "${DB_PASSWORD}",
            "xxx",
            "******",
            "<password>",
            "your_password_here",
            "os.environ['PW']",
            "",
            "input(",
            "getpass.getpass()",
            "request.form[",
            "user.password",
            "cfg.db.pwd",
        ],
    );
    answers(
        is_placeholder,
        false,
        &[
            "S3cr3t!2024",
            "hunter2",
            "Tr0ub4dor&3",
            "hunter.two",
            "Pass(word",
            "a.b.c",
        ],
    );
    // A password's value: not the first word of a sentence, nor a method call.
    answers(
        password,
        false,
        &[
            "New",
            "Fix",
            "Likewise.",
            "alice.",
            "bob.computeSecret(alice.getPublicKey()",
            "(required)",
            "gs://bucket/keystore_password.encrypted",
            "vault://kv/db",
            "projects/my-project/secrets/my-secret/versions/2",
            "projects/PROJECT/secrets/SECRET/versions/VERSION",
            "typing.Optional[bytes]",
            "None):",
            "str)",
            "(bool",
            "string",
            "encode(client_secret)",
            "super().get_url_rev_and_auth(url)",
            "key_password",
            "self.separate",
            "%s:",
            "%s：%s",
            "口令不匹配.",
            "密码错误",
        ],
    );
    answers(
        password,
        true,
        &[
            "dragon",
            "Summer2020!",
            "S3cr3t!2024",
            "hunter2",
            "ABCDEF",
            "Pa55.",
            "aB3/xY+z9Q/k2Lm/Pq8R==",
            "Zx8/Qw7e/Rt6y/Ui5o",
            "Pass(word",
            "qwerty_2024",
        ],
    );
    assert_eq!(
        password_value("qwe089234lkjsdf&oauth_callback_confirmed=true"),
        Check::Narrow(0, 15)
    );
    assert_eq!(password_value("Tr0ub4dor&3"), Check::Accept);
    assert_eq!(password_value("str&x=1"), Check::Reject);
    assert_eq!(password_value("a&b=c"), Check::Reject);
    assert!(connection_uri("mongodb://admin:Pa55w0rd@10.0.0.5:27017/db"));
    assert!(connection_uri("redis://:s3cret@cache:6379/0"));
    assert!(
        !connection_uri("postgres://user:password@localhost/db"),
        "placeholder password"
    );
    assert!(!connection_uri("mysql://:pw@host/db"), "no user");
    assert!(!connection_uri("mongodb://host:27017/db"));
}

/// `check` narrows `text` to exactly `expected`.
fn assert_narrows(check: fn(&str) -> Check, text: &str, expected: &str) {
    match check(text) {
        Check::Narrow(s, e) => assert_eq!(&text[s..e], expected, "{text}"),
        other => panic!("{text}: {other:?}"),
    }
}

#[test]
fn name_and_address_vectors() {
    assert_eq!(cn_person_name("张三"), Check::Narrow(0, 6));
    assert_eq!(cn_person_name("欧阳娜娜"), Check::Narrow(0, 12));
    assert_eq!(cn_person_name("张三性别"), Check::Narrow(0, 6));
    assert_eq!(cn_person_name("我们"), Check::Reject);
    // A conjunction before a whole name is cut off; a surname that is one stays.
    assert_eq!(cn_person_name("和任兰"), Check::Narrow(3, 9));
    assert_eq!(cn_person_name("和珅"), Check::Narrow(0, 6));
    assert_eq!(cn_person_name("跟欧阳娜娜"), Check::Narrow(3, 15));
    assert_eq!(cn_person_name_labelled("叫王芳"), Check::Narrow(3, 9));
    assert_eq!(cn_person_name("相处"), Check::Reject);
    assert_eq!(cn_person_name("石头城"), Check::Reject);
    assert_eq!(cn_person_name("王的人"), Check::Reject);
    // Everyday words that start with a surname character, met in prose beside identifiers
    // (`紧急联系人 陈静 (母亲)`, `位置: 纬度 30.27…`), are not names.
    for word in [
        "母亲", "位置", "申请", "范围", "楼层", "门口", "东西", "第一",
    ] {
        assert_eq!(cn_person_name(word), Check::Reject, "{word}");
    }
    assert_eq!(cn_person_name("高峰"), Check::Narrow(0, 6));
    // A surname with a title, a kinship word or the placeholder of an anonymised record
    // names nobody.
    for addressed in [
        "王经理",
        "刘女士",
        "李总",
        "张师傅",
        "陈某",
        "赵某某",
        "欧阳老师",
    ] {
        assert_eq!(cn_person_name(addressed), Check::Reject, "{addressed}");
    }
    assert_eq!(cn_person_name("王建国先生"), Check::Narrow(0, 9));
    // Given names with characters that mostly spell everyday words beside a surname count
    // only where a label or a field's name says a name follows.
    for name in ["李天宇", "王可欣", "张中华", "刘大伟", "陈为民"] {
        assert_eq!(cn_person_name(name), Check::Reject, "{name}");
        assert_eq!(cn_person_name_labelled(name), Check::Narrow(0, 9), "{name}");
    }
    for word in ["明天", "许可", "成为", "王的人", "刘女士"] {
        assert_eq!(cn_person_name_labelled(word), Check::Reject, "{word}");
    }
    assert_eq!(cn_person_name("买买提·艾力"), Check::Narrow(0, 17));
    assert_eq!(cn_person_name("买买提·艾力性别男"), Check::Narrow(0, 17));
    assert_eq!(cn_person_name("·艾力"), Check::Reject);
    assert_eq!(cn_person_name("买买提·"), Check::Reject);
    assert_eq!(cn_person_name("买买提•艾力"), Check::Narrow(0, 18));
    assert_eq!(cn_person_name("买买提·艾力·江·古"), Check::Reject);
    assert_eq!(cn_person_name("是的·好的"), Check::Reject);
    assert_eq!(cn_person_name("张"), Check::Reject);
    // Labels beside a value, not names (银 and 余 are surnames).
    for label in ["银行卡", "银行", "余额", "金卡", "包号", "云账"] {
        assert_eq!(cn_person_name(label), Check::Reject, "{label}");
    }
    assert!(en_person_name("John Smith"));
    assert!(en_person_name("Mary Ann O'Neil"));
    assert!(!en_person_name("john smith"));
    assert!(!en_person_name("Test User"));
    assert!(!en_person_name("Install Rust"));
    assert!(!en_person_name("Run Cargo Fuzz"));
    assert!(!en_person_name("John Doe"));
    assert!(en_person_name("Wang Fang"));
    assert_narrows(
        cn_address,
        "家住北京市朝阳区建国路88号",
        "北京市朝阳区建国路88号",
    );
    let b = "杭州市西湖区文三路100号3单元201室";
    assert_narrows(cn_address, b, b);
    for (text, address) in [
        ("住福州市鼓楼区五四路158号", "福州市鼓楼区五四路158号"),
        ("在杭州市西湖区文三路100号", "杭州市西湖区文三路100号"),
    ] {
        assert_narrows(cn_address, text, address);
    }
    assert_eq!(cn_address("我们知道这条路很长"), Check::Reject);
}

#[test]
fn estate_addresses_need_the_hierarchy_and_two_numbered_parts() {
    for (text, address) in [
        (
            "他家在成都市武侯区玉林小区5栋3单元12号",
            "成都市武侯区玉林小区5栋3单元12号",
        ),
        (
            "上海市浦东新区张江镇中区花园12号楼1502室",
            "上海市浦东新区张江镇中区花园12号楼1502室",
        ),
        (
            "四川省绵阳市涪城区三单元201室",
            "四川省绵阳市涪城区三单元201室",
        ),
    ] {
        assert_narrows(cn_address_building, text, address);
    }
    for text in [
        // One numbered part: a count of buildings, not a home.
        "成都市武侯区新建住宅12栋",
        // An estate (小区) is not a district: one level only.
        "市内小区5栋3单元",
        // Numbers without a part: `栋楼` is not numbered.
        "成都市武侯区栋楼单元",
    ] {
        assert_eq!(cn_address_building(text), Check::Reject, "{text}");
    }
}

#[test]
fn area_addresses_need_two_levels_and_a_road_or_building_part() {
    for (text, address) in [
        ("山东省青岛市市南区香港中路", "山东省青岛市市南区香港中路"),
        (
            "广东省深圳市南山区科技园南区8栋",
            "广东省深圳市南山区科技园南区8栋",
        ),
        ("北京市朝阳区望京花园3号楼", "北京市朝阳区望京花园3号楼"),
        ("住在重庆市渝中区解放碑步行街", "重庆市渝中区解放碑步行街"),
    ] {
        assert_narrows(cn_address_area, text, address);
    }
    for text in [
        // One level of the hierarchy.
        "朝阳区建国路",
        "城区8栋",
        // Two levels and nothing below them.
        "北京市朝阳区",
        // A building part without its number.
        "北京市朝阳区望京花园栋",
    ] {
        assert_eq!(cn_address_area(text), Check::Reject, "{text}");
    }
}

#[test]
fn village_addresses_need_a_town_before_the_village() {
    for (text, address) in [
        (
            "住河南省周口市郸城县汲冢镇王庄村三组",
            "河南省周口市郸城县汲冢镇王庄村三组",
        ),
        ("南充市仪陇县马鞍镇新政村5组", "南充市仪陇县马鞍镇新政村5组"),
        (
            "河北省保定市涞源县南屯乡南屯村",
            "河北省保定市涞源县南屯乡南屯村",
        ),
        (
            "广东省广州市天河区石牌街道华师社区",
            "广东省广州市天河区石牌街道华师社区",
        ),
        // Two level words may meet inside names.
        (
            "山东省济南市市中区党家街道古镇村",
            "山东省济南市市中区党家街道古镇村",
        ),
    ] {
        assert_narrows(cn_address_village, text, address);
    }
    for text in [
        // Two levels and no province: a county and a town are not enough.
        "郸城县汲冢镇王庄村",
        // The village before the town.
        "周口市郸城县王庄村汲冢镇",
        "广州市天河区华师社区石牌街道",
        // A sentence about places, and a list of levels.
        "市里说县城到镇上的路修到了村口",
        "要求全省各市县乡镇村开展排查",
        "成都市武侯区新建住宅12栋",
    ] {
        assert_eq!(cn_address_village(text), Check::Reject, "{text}");
    }
}

#[test]
fn every_named_validator_resolves() {
    for name in VALIDATOR_NAMES {
        assert!(by_name(name).is_some(), "{name}");
    }
    assert!(by_name("nope").is_none());
}

proptest! {
    #[test]
    fn validators_never_panic(s in "\\PC{0,40}") {
        for name in VALIDATOR_NAMES {
            let f = by_name(name).unwrap();
            let _ = f(&s, &ctx());
        }
    }

    #[test]
    fn validators_never_panic_on_digit_shapes(s in "[0-9A-Za-z.:()@ +-]{0,24}") {
        for name in VALIDATOR_NAMES {
            let f = by_name(name).unwrap();
            if let Check::Narrow(a, b) = f(&s, &ctx()) {
                prop_assert!(a <= b && b <= s.len());
            }
        }
    }

    #[test]
    fn luhn_detects_single_digit_errors(digits in proptest::collection::vec(0u8..10, 15), pos in 0usize..15, delta in 1u8..10) {
        let s: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        let mut changed = digits.clone();
        changed[pos] = (changed[pos] + delta) % 10;
        let t: String = changed.iter().map(|d| char::from(b'0' + d)).collect();
        prop_assert!(!(luhn(&s) && luhn(&t)));
    }
}

#[test]
fn province_bytes_bounds_every_province_name() {
    assert_eq!(
        PROVINCES.iter().map(|p| p.len()).max(),
        Some(PROVINCE_BYTES)
    );
}

/// The prose name rule tries compound surnames first; its list must be the validator's,
/// or a name the validator knows would be cut short there (`诸葛刚说` read as `诸葛`).
#[test]
fn prose_rule_lists_the_validators_compound_surnames() {
    let rules: toml::Value = toml::from_str(include_str!("../../rules/pii.toml")).unwrap();
    let pattern = rules["rule"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r.get("variant").and_then(|v| v.as_str()) == Some("cn_prose"))
        .and_then(|r| r["pattern"].as_str())
        .unwrap();
    let from = pattern.find("(?P<v>(?:").unwrap() + "(?P<v>(?:".len();
    let listed = &pattern[from..from + pattern[from..].find(')').unwrap()];
    assert_eq!(listed, CN_COMPOUND_SURNAMES.join("|"));
}

/// The address variants share the facts of the last value checked on a thread: checked in
/// any order, interleaved with other values, each answers what it answers on a thread
/// that checked nothing before.
#[test]
fn address_checks_answer_alike_in_any_order() {
    let values = [
        "四川省成都市武侯区人民南路187号18栋138室",
        "北京市朝阳区建国路150号15栋677室",
        "浙江省杭州市西湖区三墩镇五联村18号",
        "上海市徐汇区漕溪北路125号2栋410室",
        "宁波市海曙区中山东路88号",
        "广西壮族自治区南宁市青秀区民族大道100号3栋2单元501室",
        "朝阳区幸福小区5栋3单元1502室",
        "江苏省南京市鼓楼区湖南路街道湖南路社区8号",
        "各市县乡镇村",
        // As long as the first address, in bytes, and no address.
        "北京今天天气很好我们去公园散12",
        "",
    ];
    let checks: [fn(&str) -> Check; 5] = [
        cn_address,
        cn_address_labelled,
        cn_address_building,
        cn_address_village,
        cn_address_area,
    ];
    // Each answer on a thread of its own, which has checked nothing before.
    let alone: Vec<Vec<Check>> = values
        .iter()
        .map(|&v| {
            checks
                .iter()
                .map(|&check| std::thread::spawn(move || check(v)).join().unwrap())
                .collect()
        })
        .collect();
    for (i, &a) in values.iter().enumerate() {
        for (j, &b) in values.iter().enumerate() {
            for (f, first) in checks.iter().enumerate() {
                for (g, second) in checks.iter().enumerate() {
                    assert_eq!(first(b), alone[j][f], "{b} after {a}");
                    assert_eq!(second(a), alone[i][g], "{a} after {b}");
                }
            }
        }
    }
}

/// The name sets are bitmaps of the Basic Multilingual Plane and the compound surnames
/// pairs of characters: every entry of the lists must fit, or it would silently be lost.
#[test]
fn name_lists_fit_their_sets() {
    let chars = CN_SURNAMES
        .chars()
        .chain(NOT_IN_NAMES.chars())
        .chain(LABEL_ENDINGS.chars())
        .chain(AFTER_NAME_WORDS.iter().filter_map(|w| w.chars().next()));
    for c in chars {
        assert!(u32::from(c) <= 0xFFFF, "{c} is beyond the plane");
    }
    for s in CN_COMPOUND_SURNAMES {
        assert_eq!(s.chars().count(), 2, "{s} is not two characters");
    }
    for s in FORMS_OF_ADDRESS {
        assert!(
            short_key(s.chars()).is_some(),
            "{s} is not one or two characters"
        );
    }
    let tables = name_tables();
    assert!(tables.is_compound_surname("欧阳") && !tables.is_compound_surname("欧"));
    assert!(tables.surnames.contains('王') && !tables.surnames.contains('的'));
}
