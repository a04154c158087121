//! Evaluation by XPath 1.0's rules. Total: every tree and every answer give a value (NaN,
//! Infinity, `''` where XPath has them), never a panic. Recursion follows the tree, whose
//! height the parser bounds.

use super::answers::Answers;
use super::ast::{BinOp, Node};
use super::functions;
use super::value::Value;

pub(super) fn eval(node: &Node, answers: &dyn Answers) -> Value {
    match node {
        Node::Num(n) => Value::Num(*n),
        Node::Str(s) => Value::Str(s.clone()),
        Node::Ref(name) => answers.value(name),
        Node::Current => answers.current(),
        Node::Neg(inner) => Value::Num(-eval(inner, answers).to_number()),
        Node::Binary(op, left, right) => binary(*op, &eval(left, answers), &eval(right, answers)),
        // Short-circuit, as XPath's `and` and `or` do.
        Node::And(items) => Value::Bool(items.iter().all(|item| eval(item, answers).to_bool())),
        Node::Or(items) => Value::Bool(items.iter().any(|item| eval(item, answers).to_bool())),
        Node::Call(func, args) => functions::call(*func, args, answers),
    }
}

fn binary(op: BinOp, a: &Value, b: &Value) -> Value {
    let order = |holds: fn(f64, f64) -> bool| Value::Bool(holds(a.to_number(), b.to_number()));
    let arithmetic = |apply: fn(f64, f64) -> f64| Value::Num(apply(a.to_number(), b.to_number()));
    match op {
        BinOp::Eq => Value::Bool(equal(a, b)),
        // Without node-sets, `!=` is exactly the negation of `=` (NaN != NaN is true).
        BinOp::Ne => Value::Bool(!equal(a, b)),
        // Order comparisons always compare numbers; a non-number (NaN) makes them false.
        BinOp::Lt => order(|x, y| x < y),
        BinOp::Le => order(|x, y| x <= y),
        BinOp::Gt => order(|x, y| x > y),
        BinOp::Ge => order(|x, y| x >= y),
        BinOp::Add => arithmetic(|x, y| x + y),
        BinOp::Sub => arithmetic(|x, y| x - y),
        BinOp::Mul => arithmetic(|x, y| x * y),
        // IEEE 754 as XPath specifies: 1 div 0 is Infinity, 0 div 0 is NaN.
        BinOp::Div => arithmetic(|x, y| x / y),
        // Truncating remainder with the dividend's sign (XPath's and Rust's `%`); x mod 0 is NaN.
        BinOp::Mod => arithmetic(|x, y| x % y),
    }
}

/// XPath 1.0 `=` without node-sets: a boolean on either side compares truth, else a number
/// on either side compares numbers, else strings (a multi-select as its space-joined choices).
fn equal(a: &Value, b: &Value) -> bool {
    let is_bool = |v: &Value| matches!(v, Value::Bool(_));
    let is_num = |v: &Value| matches!(v, Value::Num(_));
    if is_bool(a) || is_bool(b) {
        a.to_bool() == b.to_bool()
    } else if is_num(a) || is_num(b) {
        a.to_number() == b.to_number()
    } else {
        a.to_text() == b.to_text()
    }
}
