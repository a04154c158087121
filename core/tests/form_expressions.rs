//! XLSForm `relevant` / `constraint` expressions: what they evaluate to under XPath 1.0 and
//! ODK's rules, how malformed ones are refused, and that no input makes them panic. Expected
//! values were worked out from the rules (XPath 1.0 §3.4–4.4, ODK XForms spec), not by running
//! the code.

use proptest::prelude::*;
use std::collections::BTreeSet;
use xuncha_core::form::expr::{MAX_BYTES, MAX_DEPTH};
use xuncha_core::form::{AnswerMap, Answers, Condition, Expr, ExprError, Value};

/// What a row expects.
#[derive(Debug, Clone, Copy)]
enum Want {
    B(bool),
    N(f64),
    NaN,
    S(&'static str),
    Empty,
    Multi(&'static [&'static str]),
}
use Want::*;

fn matches(got: &Value, want: Want) -> bool {
    match (got, want) {
        (Value::Bool(g), B(w)) => *g == w,
        // Exact: every N below is exactly representable or the same literal XPath computes.
        (Value::Num(g), N(w)) => *g == w,
        (Value::Num(g), NaN) => g.is_nan(),
        (Value::Str(g), S(w)) => g == w,
        (Value::Empty, Empty) => true,
        (Value::Multi(g), Multi(w)) => g.iter().map(String::as_str).eq(w.iter().copied()),
        _ => false,
    }
}

/// The answers every row of the table sees; `.` is 5.
fn answers() -> AnswerMap {
    AnswerMap::new()
        .with("age", 12.0)
        .with("name", "张三")
        .with("grade", "3")
        .with("kinds", Value::multi(["math", "english"]))
        .with("picked", Value::multi(Vec::<String>::new()))
        .with("blank", "")
        .with("count", 0.0)
        .with("price", "2.5")
        .with("night", "yes")
        .with_current(5.0)
}

const TABLE: &[(&str, Want)] = &[
    // Literals.
    ("3", N(3.0)),
    ("2.5", N(2.5)),
    ("-1", N(-1.0)),
    (".5", N(0.5)),
    ("00012 = 12", B(true)),
    ("1. + 1", N(2.0)),
    ("'中文'", S("中文")),
    ("\"单引号'内\"", S("单引号'内")),
    ("'双引号\"内'", S("双引号\"内")),
    ("true()", B(true)),
    ("false()", B(false)),
    // References: a question, an unanswered one, the current one.
    ("${age}", N(12.0)),
    ("${none}", Empty),
    ("${kinds}", Multi(&["math", "english"])),
    (".", N(5.0)),
    ("\t${age}\n>\r\n10 ", B(true)),
    // Arithmetic and its precedence.
    ("1 + 2 * 3", N(7.0)),
    ("(1 + 2) * 3", N(9.0)),
    ("10 - 4 - 3", N(3.0)),
    ("2 * 3 mod 4", N(2.0)),
    ("7 mod 3", N(1.0)),
    ("-7 mod 3", N(-1.0)),
    ("7 mod -3", N(1.0)),
    ("5.5 mod 2", N(1.5)),
    ("7 div 2", N(3.5)),
    ("1 div 0", N(f64::INFINITY)),
    ("-1 div 0", N(f64::NEG_INFINITY)),
    ("0 div 0", NaN),
    ("5 mod 0", NaN),
    ("- -3", N(3.0)),
    ("-2 * -3", N(6.0)),
    ("3 div-1", N(-3.0)),
    ("2 * 3 + 4 * 5 - 6 div 3", N(24.0)),
    ("-(${age} - 2) * 2", N(-20.0)),
    ("${age} - -${age}", N(24.0)),
    ("((${age} + (2 * (3 - (4 div (1 + 1))))))", N(14.0)),
    ("((((1 + 2))) * ((3)))", N(9.0)),
    // Arithmetic converts strings, booleans and empty answers to numbers.
    ("${age} + 1", N(13.0)),
    ("${grade} * 2", N(6.0)),
    ("${price} + ${price}", N(5.0)),
    ("${name} + 1", NaN),
    ("${none} + 1", NaN),
    ("true() + true()", N(2.0)),
    ("${age} div ${count}", N(f64::INFINITY)),
    // Equality: boolean first, then number, then string.
    ("1 = 1.0", B(true)),
    ("'1' = 1", B(true)),
    ("'1.0' = '1'", B(false)),
    ("'abc' = 0", B(false)),
    ("'abc' != 0", B(true)),
    ("${grade} = 3", B(true)),
    ("${grade} = '3'", B(true)),
    ("${none} = ''", B(true)),
    ("${none} = 0", B(false)),
    ("${none} != 0", B(true)),
    ("${blank} = ${none}", B(true)),
    ("true() = 'false'", B(true)),
    ("false() = ''", B(true)),
    ("false() = 0", B(true)),
    ("true() = 2", B(true)),
    ("(1 < 2) = 5", B(true)),
    ("false() = 0 div 0", B(true)),
    ("${none} = false()", B(true)),
    ("${kinds} = true()", B(true)),
    ("1 = 1 = 1", B(true)),
    ("0 div 0 = 0 div 0", B(false)),
    ("0 div 0 != 0 div 0", B(true)),
    // Order comparisons always compare numbers.
    ("${age} > 10 and ${age} < 18", B(true)),
    ("${age} >= 12", B(true)),
    ("${age} <= 11.5", B(false)),
    ("${grade} > 2", B(true)),
    ("'10' < '9'", B(false)),
    ("'b' > 'a'", B(false)),
    ("${none} < 1", B(false)),
    ("${none} >= 0", B(false)),
    ("3 > 2 > 1", B(false)),
    ("1 < 2 = 2 < 3", B(true)),
    ("1 div 0 > 99999999", B(true)),
    ("1 + 2 < 4 and 3 * 2 = 6", B(true)),
    // Multi-selects: the space-joined choices, and selected() on them.
    ("${kinds} = 'math english'", B(true)),
    ("${kinds} = 'english math'", B(false)),
    ("${picked} = ''", B(true)),
    ("selected(${kinds}, 'math')", B(true)),
    ("selected(${kinds}, 'art')", B(false)),
    ("selected(${kinds}, ' english ')", B(true)),
    ("selected(${kinds}, 'mat')", B(false)),
    ("selected(${none}, 'math')", B(false)),
    ("selected(${grade}, '3')", B(true)),
    ("count-selected(${kinds})", N(2.0)),
    ("count-selected(${picked})", N(0.0)),
    ("count-selected(${none})", N(0.0)),
    ("count-selected('a  b c ')", N(3.0)),
    ("not(${picked})", B(true)),
    ("not(${kinds})", B(false)),
    // Boolean logic: `and` binds tighter than `or`; truth of strings and numbers.
    ("true() or false() and false()", B(true)),
    ("(true() or false()) and false()", B(false)),
    ("1 = 2 or 2 = 2 and 3 = 4", B(false)),
    ("not(${none})", B(true)),
    ("not(${blank})", B(true)),
    ("not('false')", B(false)),
    ("not(0)", B(true)),
    ("not(0 div 0)", B(true)),
    ("not(-0.1)", B(false)),
    ("not(not(not(${none})))", B(true)),
    ("${night} = 'yes' or ${age} > 100", B(true)),
    ("${name} and ${count}", B(false)),
    ("${name} or 1 div 0", B(true)),
    // String functions; lengths count characters.
    ("string-length(${name})", N(2.0)),
    ("string-length('')", N(0.0)),
    ("string-length(${none})", N(0.0)),
    ("string-length(12.50)", N(4.0)),
    ("string-length()", N(1.0)),
    ("string(1 div 3)", S("0.3333333333333333")),
    ("string(0.1 + 0.2)", S("0.30000000000000004")),
    ("string(-0)", S("0")),
    ("string(2.50)", S("2.5")),
    ("string(1 div 0)", S("Infinity")),
    ("string(true())", S("true")),
    ("string(${kinds})", S("math english")),
    ("string(${none})", S("")),
    ("contains(${name}, '三')", B(true)),
    ("contains('校外培训', '培训班')", B(false)),
    ("contains('abc', '')", B(true)),
    ("contains(${none}, '')", B(true)),
    ("concat('第', ${grade}, '年级')", S("第3年级")),
    ("concat(${name}, '-', ${age}, '-', ${none}, '-', true())", S("张三-12--true")),
    ("concat()", S("")),
    ("concat(${kinds})", S("math english")),
    ("concat('a', 1 div 0, 0 div 0)", S("aInfinityNaN")),
    // Number functions.
    ("number('  42 ')", N(42.0)),
    ("number('4 2')", NaN),
    ("number('1e3')", NaN),
    ("number(true())", N(1.0)),
    ("number('')", NaN),
    ("int(3.9)", N(3.0)),
    ("int(-3.9)", N(-3.0)),
    ("int('7.5')", N(7.0)),
    ("int(${name})", NaN),
    ("round(2.5)", N(3.0)),
    ("round(-2.5)", N(-2.0)),
    ("round(12.3456, 2)", N(12.35)),
    ("round(1234.5, -2)", N(1200.0)),
    ("round(2.675, 2)", N(2.68)),
    // if() takes only the branch it chooses.
    ("if(${age} >= 18, '成人', '未成年')", S("未成年")),
    ("if(${none}, 1, 2)", N(2.0)),
    ("if(true(), ${age}, 1 div 0)", N(12.0)),
    // Constraints on the current question (5).
    (". > 0 and . < 150", B(true)),
    (". mod 2 = 1", B(true)),
    (". * 2 = 10", B(true)),
    // Chinese text.
    ("${name} = '张三'", B(true)),
    ("${name} != \"李四\"", B(true)),
    ("'培训' = \"培训\"", B(true)),
];

#[test]
fn the_table_evaluates_as_xpath_and_odk_say() {
    let answers = answers();
    let mut wrong = Vec::new();
    for &(src, want) in TABLE {
        match Expr::parse(src) {
            Ok(expr) => {
                let got = expr.eval(&answers);
                if !matches(&got, want) {
                    wrong.push(format!("{src:?}: got {got:?}, want {want:?}"));
                }
            }
            Err(e) => wrong.push(format!("{src:?}: refused: {e}")),
        }
    }
    assert!(TABLE.len() >= 60);
    assert!(wrong.is_empty(), "{} of {} rows wrong:\n{}", wrong.len(), TABLE.len(), wrong.join("\n"));
}

#[test]
fn truthy_is_xpath_boolean_of_the_value() {
    let answers = answers();
    for (src, truth) in [("${age}", true), ("${count}", false), ("${none}", false), ("${kinds}", true), ("'0'", true)] {
        assert_eq!(Expr::parse(src).unwrap().truthy(&answers), truth, "{src}");
    }
}

#[test]
fn an_unanswered_question_is_empty_whether_absent_or_blank() {
    let expr = Expr::parse("${q} = '' and not(${q}) and string-length(${q}) = 0").unwrap();
    for q in [Value::Empty, Value::from(""), Value::multi(Vec::<String>::new())] {
        assert!(expr.truthy(&AnswerMap::new().with("q", q.clone())), "{q:?}");
    }
    assert!(expr.truthy(&AnswerMap::new()));
    assert!(!expr.truthy(&AnswerMap::new().with("q", "x")));
}

/// Answers kept the way a screen keeps them, recording which questions were read.
struct Screen {
    read: std::cell::RefCell<Vec<String>>,
}

impl Answers for Screen {
    fn value(&self, name: &str) -> Value {
        self.read.borrow_mut().push(name.to_owned());
        if name == "yes" { Value::from("是") } else { Value::Empty }
    }
    fn current(&self) -> Value {
        Value::from("当前")
    }
}

#[test]
fn if_and_or_read_only_what_they_need() {
    let screen = Screen { read: Default::default() };
    let reads = |src: &str| {
        screen.read.borrow_mut().clear();
        Expr::parse(src).unwrap().eval(&screen);
        screen.read.borrow().join(",")
    };
    assert_eq!(reads("if(${yes}, ${a}, ${b})"), "yes,a");
    assert_eq!(reads("if(${no}, ${a}, ${b})"), "no,b");
    assert_eq!(reads("${yes} or ${a} or ${b}"), "yes");
    assert_eq!(reads("${no} and ${a}"), "no");
    assert_eq!(reads("${no} or ${a} or ${yes} or ${b}"), "no,a,yes");
    assert_eq!(reads("${yes} = ${no}"), "yes,no");
    assert_eq!(Expr::parse("concat(., ${yes})").unwrap().eval(&screen), Value::from("当前是"));
}

/// Malformed expressions: (source, code, pieces the Chinese message must name).
const REFUSED: &[(&str, &str, &[&str])] = &[
    ("(1 + 2", "expr_syntax", &["第7个字符", "右括号", "第1个字符"]),
    ("1 +", "expr_syntax", &["第4个字符", "末尾"]),
    ("${age} >", "expr_syntax", &["第9个字符"]),
    ("* 2", "expr_syntax", &["第1个字符", "*"]),
    ("today()", "expr_unknown_function", &["第1个字符", "today"]),
    ("${a} = sum(${b})", "expr_unknown_function", &["第8个字符", "sum"]),
    ("selected(${a})", "expr_arity", &["第1个字符", "selected", "2"]),
    ("if(1, 2)", "expr_arity", &["第1个字符", "if", "3"]),
    ("not()", "expr_arity", &["not"]),
    ("round(1, 2, 3)", "expr_arity", &["round"]),
    ("'未闭合", "expr_syntax", &["第1个字符", "引号"]),
    ("${a} = 'x", "expr_syntax", &["第8个字符", "引号"]),
    ("${年龄 = 1", "expr_syntax", &["第1个字符", "}"]),
    ("${} = 1", "expr_syntax", &["第1个字符"]),
    ("${1abc} = 1", "expr_syntax", &["第1个字符", "1abc"]),
    ("${a b} = 1", "expr_syntax", &["第1个字符", "a b"]),
    ("${age} = yes", "expr_syntax", &["第10个字符", "'yes'"]),
    ("${age} ＝ 1", "expr_syntax", &["第8个字符", "全角", "="]),
    ("count-selected（${a}）", "expr_syntax", &["第15个字符", "（"]),
    ("1 2", "expr_syntax", &["第3个字符", "2"]),
    ("(1))", "expr_syntax", &["第4个字符", ")"]),
    ("concat('a' 'b')", "expr_syntax", &["第12个字符", "concat", "逗号"]),
    ("true", "expr_syntax", &["第1个字符", "true"]),
    ("${a} and or ${b}", "expr_syntax", &["第10个字符", "or"]),
    ("${a} ? 1", "expr_syntax", &["第6个字符", "?"]),
    ("1 | 2", "expr_syntax", &["第3个字符", "|"]),
    ("!${a}", "expr_syntax", &["第1个字符", "!"]),
    (".. = 1", "expr_syntax", &["第2个字符", "."]),
    ("'检查' = '合格' 和 1", "expr_syntax", &["第13个字符", "和"]),
    ("not(${a}", "expr_syntax", &["第9个字符", "右括号", "第4个字符"]),
    ("/data/age > 3", "expr_syntax", &["第1个字符", "/"]),
];

#[test]
fn malformed_expressions_are_refused_with_a_code_and_a_chinese_message_naming_the_place() {
    assert!(REFUSED.len() >= 15);
    for &(src, code, pieces) in REFUSED {
        let err = Expr::parse(src).expect_err(src);
        assert_eq!(err.code(), code, "{src:?}: {err}");
        let message = err.message_zh();
        assert!(message.chars().any(is_han), "{src:?}: {message}");
        for piece in pieces {
            assert!(message.contains(piece), "{src:?}: {message:?} does not name {piece:?}");
        }
        if let Some(at) = err.position() {
            assert!(message.contains(&format!("第{at}个字符")), "{src:?}: {message}");
        }
    }
}

#[test]
fn a_number_too_large_for_a_double_is_refused() {
    let err = Expr::parse(&format!("1{}", "0".repeat(400))).unwrap_err();
    assert_eq!((err.code(), err.position()), ("expr_syntax", Some(1)));
    assert!(err.message_zh().contains("超出范围"), "{}", err.message_zh());
}

#[test]
fn an_empty_expression_is_refused_but_an_empty_condition_is_none() {
    for blank in ["", "   ", "\t\n"] {
        let err = Expr::parse(blank).unwrap_err();
        assert_eq!(err.code(), "expr_syntax");
        assert_eq!(err.message_zh(), "表达式为空");
        assert_eq!(Condition::parse(blank).unwrap(), Condition::none());
    }
}

#[test]
fn a_blank_relevant_always_holds_and_a_set_one_decides() {
    let nothing = AnswerMap::new();
    assert!(Condition::parse("").unwrap().holds(&nothing));
    let night_only = Condition::parse("${shift} = 'night'").unwrap();
    assert!(!night_only.holds(&nothing));
    assert!(night_only.holds(&AnswerMap::new().with("shift", "night")));
    assert_eq!(night_only.references(), BTreeSet::from(["shift".to_owned()]));
    assert!(Condition::parse("${shift} = ").is_err());
}

#[test]
fn a_constraint_is_checked_only_on_an_answer() {
    let phone = Condition::parse("string-length(.) = 11").unwrap();
    assert!(phone.accepts(&AnswerMap::new()), "unanswered passes: required is another rule");
    assert!(phone.accepts(&AnswerMap::new().with_current("13800138000")));
    assert!(!phone.accepts(&AnswerMap::new().with_current("1380013800")));
    assert!(Condition::none().accepts(&AnswerMap::new().with_current("anything")));
    let range = Condition::parse(". >= 0 and . <= 200").unwrap();
    assert!(range.accepts(&AnswerMap::new().with_current(200.0)));
    assert!(!range.accepts(&AnswerMap::new().with_current(-1.0)));
    assert!(!range.accepts(&AnswerMap::new().with_current("很多")), "text is NaN, outside any range");
}

#[test]
fn references_names_each_question_once() {
    let expr = Expr::parse("${a} = 1 and selected(${b}, 'x') or ${a} > ${c.d} + string-length(${学校_1})").unwrap();
    let want: BTreeSet<String> = ["a", "b", "c.d", "学校_1"].into_iter().map(String::from).collect();
    assert_eq!(expr.references(), want);
    assert!(!expr.uses_current());
    let own = Expr::parse(". > 1 and string-length() < 5").unwrap();
    assert!(own.references().is_empty());
    assert!(own.uses_current());
    assert!(Expr::parse("string-length() < 5").unwrap().uses_current());
}

#[test]
fn unknown_fields_are_refused_by_name() {
    let expr = Expr::parse("${a} = 1 or ${zz} = 2 or ${c} = 3").unwrap();
    let known = ["a", "b"];
    let err = expr.check_references(|n| known.contains(&n)).unwrap_err();
    assert_eq!(err, ExprError::UnknownField { name: "c".into() }, "the first unknown by name");
    assert_eq!(err.code(), "expr_unknown_field");
    assert!(err.message_zh().contains("${c}") && err.message_zh().chars().any(is_han), "{}", err.message_zh());
    assert!(expr.check_references(|n| ["a", "c", "zz"].contains(&n)).is_ok());
}

#[test]
fn an_expression_error_becomes_cores_invalid_input_with_the_same_message() {
    let err = Expr::parse("if(1, 2)").unwrap_err();
    let core: xuncha_core::Error = err.clone().into();
    assert_eq!(core.code(), "invalid");
    assert_eq!(core.message_zh(), err.message_zh());
    assert!(core.to_string().contains("expr_arity"), "{core}");
}

// Limits against hostile input.

#[test]
fn the_longest_accepted_expression_is_max_bytes() {
    // "1 + 1 + …" would be too deep; `or` chains are one node.
    let mut src = vec!["${a}"; 1000].join(" or ");
    src.truncate(MAX_BYTES);
    while !src.ends_with('}') {
        src.pop();
    }
    src.push_str(&" ".repeat(MAX_BYTES - src.len()));
    assert_eq!(src.len(), MAX_BYTES);
    assert!(Expr::parse(&src).unwrap().truthy(&AnswerMap::new().with("a", "x")));
    src.push(' ');
    let err = Expr::parse(&src).unwrap_err();
    assert_eq!(err.code(), "expr_too_long");
    assert!(err.message_zh().contains(&(MAX_BYTES + 1).to_string()), "{}", err.message_zh());
    // Chinese counts by bytes: 1,400 characters in quotes are over 4 KiB.
    assert_eq!(Expr::parse(&format!("'{}'", "查".repeat(1400))).unwrap_err().code(), "expr_too_long");
}

/// Runs `f` on a thread with a small stack (iOS gives secondary threads 512 KiB), so
/// unbounded recursion would crash the test rather than pass on a big main stack.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(256 * 1024).spawn(f).unwrap().join().expect("no panic, no overflow");
}

fn nested(open: &str, inner: &str, close: &str, levels: usize) -> String {
    format!("{}{inner}{}", open.repeat(levels), close.repeat(levels))
}

#[test]
fn nesting_up_to_the_limit_parses_and_evaluates_on_a_small_stack() {
    on_small_stack(|| {
        let answers = AnswerMap::new().with("a", 2.0);
        let cases = [
            (nested("(", "${a}", ")", MAX_DEPTH), Value::Num(2.0)),
            // Each minus is a level of the tree above the leaf: 63 of them, an odd count.
            (nested("-", "${a}", "", MAX_DEPTH - 1), Value::Num(-2.0)),
            (nested("not(", "${a}", ")", MAX_DEPTH - 1), Value::Bool(false)),
            (nested("(1 + ", "${a}", ")", MAX_DEPTH - 1), Value::Num(MAX_DEPTH as f64 + 1.0)),
            (vec!["${a}"; MAX_DEPTH].join(" * "), Value::Num(2f64.powi(MAX_DEPTH as i32))),
        ];
        for (src, want) in cases {
            let expr = Expr::parse(&src).unwrap_or_else(|e| panic!("{src}: {e}"));
            assert_eq!(expr.eval(&answers), want, "{src}");
            assert_eq!(Expr::parse(&expr.to_string()).unwrap(), expr, "{src}");
        }
    });
}

#[test]
fn nesting_beyond_the_limit_is_refused_not_a_stack_overflow() {
    on_small_stack(|| {
        let deep = MAX_DEPTH + 1;
        let cases = [
            (nested("(", "1", ")", deep), Some(deep)),
            (nested("(", "1", ")", 1000), Some(deep)),
            (nested("-", "1", "", deep), Some(deep)),
            (nested("not(", "1", ")", deep), None),
            (nested("(1 + ", "1", ")", deep), None),
            (vec!["1"; deep + 1].join(" - "), None),
            (format!("{}1", "-".repeat(MAX_BYTES)), None),
        ];
        for (src, at) in cases {
            let err = Expr::parse(&src).unwrap_err();
            if src.len() > MAX_BYTES {
                assert_eq!(err.code(), "expr_too_long");
                continue;
            }
            assert_eq!(err.code(), "expr_too_deep", "{src}: {err}");
            assert!(err.message_zh().contains(&MAX_DEPTH.to_string()), "{}", err.message_zh());
            if let Some(at) = at {
                assert_eq!(err.position(), Some(at), "{src}");
            }
        }
    });
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

// Properties.

/// Answers for the generated expressions: every name may be missing or any kind of value.
fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Empty),
        any::<f64>().prop_map(Value::Num),
        (-1000i64..1000).prop_map(|n| Value::Num(n as f64 / 4.0)),
        any::<bool>().prop_map(Value::Bool),
        "[a-c0-9 .\\-检查]{0,6}".prop_map(Value::Str),
        proptest::collection::vec("[a-c]{1,2}", 0..3).prop_map(Value::Multi),
    ]
}

fn any_answers() -> impl Strategy<Value = AnswerMap> {
    (proptest::collection::btree_map("[a-d]", any_value(), 0..4), any_value())
        .prop_map(|(values, current)| AnswerMap { values, current })
}

/// Well-formed source text, built from a random tree of every construct.
fn any_source() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (0u32..1000).prop_map(|n| n.to_string()),
        (0u32..1000, 1u32..100).prop_map(|(a, b)| format!("{a}.{b}")),
        "[a-c 检查'']{0,4}".prop_map(|s| format!("\"{s}\"")),
        "[a-c 检查\"]{0,4}".prop_map(|s| format!("'{s}'")),
        "[a-d]".prop_map(|n| format!("${{{n}}}")),
        Just(".".to_owned()),
        Just("true()".to_owned()),
        Just("false()".to_owned()),
    ];
    leaf.prop_recursive(6, 64, 4, |inner| {
        let ops = ["or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod"];
        prop_oneof![
            (inner.clone(), proptest::sample::select(ops.to_vec()), inner.clone())
                .prop_map(|(l, op, r)| format!("{l} {op} {r}")),
            inner.clone().prop_map(|e| format!("({e})")),
            inner.clone().prop_map(|e| format!("-{e}")),
            inner.clone().prop_map(|e| format!("not({e})")),
            inner.clone().prop_map(|e| format!("count-selected({e})")),
            inner.clone().prop_map(|e| format!("string-length({e})")),
            inner.clone().prop_map(|e| format!("string({e})")),
            inner.clone().prop_map(|e| format!("number({e})")),
            inner.clone().prop_map(|e| format!("int({e})")),
            inner.clone().prop_map(|e| format!("round({e})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("round({a}, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("selected({a}, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("contains({a}, {b})")),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(a, b, c)| format!("if({a}, {b}, {c})")),
            proptest::collection::vec(inner, 0..4).prop_map(|args| format!("concat({})", args.join(", "))),
        ]
    })
}

/// Equal values, NaN equal to NaN (it is the same result).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => x == y || (x.is_nan() && y.is_nan()),
        _ => a == b,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_text_parses_or_is_refused_without_panic(src in "\\PC{0,80}", answers in any_answers()) {
        match Expr::parse(&src) {
            Ok(expr) => {
                let _ = expr.eval(&answers);
                prop_assert_eq!(Expr::parse(&expr.to_string()).ok(), Some(expr));
            }
            Err(e) => prop_assert!(e.message_zh().chars().any(is_han)),
        }
    }

    #[test]
    fn expression_like_text_never_panics(
        pieces in proptest::collection::vec(
            proptest::sample::select(vec![
                "(", ")", ",", "${a}", "${", "}", "'x'", "\"", "'", ".", "..", "1", "2.5", "-", "+", "*",
                "=", "!=", "<", ">=", "and", "or", "div", "mod", "not", "selected", "if", "concat",
                "string-length", "round", "true()", " ", "检", "（", "$", "!",
            ]),
            0..40,
        ),
        answers in any_answers(),
    ) {
        let src: String = pieces.concat();
        match Expr::parse(&src) {
            Ok(expr) => {
                let _ = expr.eval(&answers);
                prop_assert_eq!(Expr::parse(&expr.to_string()).ok(), Some(expr));
            }
            Err(e) => {
                let len = src.chars().count() + 1;
                prop_assert!(e.position().is_none_or(|at| (1..=len).contains(&at)), "{e} in {src:?}");
                prop_assert!(e.message_zh().chars().any(is_han));
            }
        }
    }

    #[test]
    fn printed_expressions_parse_back_to_the_same_tree_and_value(src in any_source(), answers in any_answers()) {
        let expr = match Expr::parse(&src) {
            Ok(expr) => expr,
            // A generated tree may pass the depth limit; that is refused, never a panic.
            Err(e) => { prop_assert_eq!(e.code(), "expr_too_deep", "{} in {}", e, src); return Ok(()); }
        };
        let printed = expr.to_string();
        let again = Expr::parse(&printed).map_err(|e| TestCaseError::fail(format!("{e} in {printed}")))?;
        prop_assert_eq!(&again, &expr);
        let (a, b) = (expr.eval(&answers), again.eval(&answers));
        prop_assert!(same(&a, &b), "{:?} vs {:?} for {}", a, b, src);
        prop_assert_eq!(expr.truthy(&answers), again.truthy(&answers));
    }
}
