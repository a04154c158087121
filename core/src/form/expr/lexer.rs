//! Splits an expression into tokens, each with its place in characters (from 1) and in bytes
//! (for quoting it back in an error). Walks `char_indices`, so every byte offset it keeps is a
//! character boundary.

use super::error::{ExprError, Syntax};
use super::value::is_xml_space;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Num(f64),
    Str(String),
    /// `${name}`
    Ref(String),
    /// `.`: the current question's value.
    Dot,
    /// A word: a function name or one of the operators `and`, `or`, `div`, `mod`.
    Name(String),
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
    Star,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub tok: Tok,
    /// Character position, from 1.
    pub at: usize,
    /// Byte range in the source, on character boundaries.
    pub bytes: (usize, usize),
}

pub(super) fn tokens(src: &str) -> Result<Vec<Token>, ExprError> {
    let mut lexer = Lexer { src, chars: src.char_indices().peekable(), at: 0 };
    let mut out = Vec::new();
    while let Some(token) = lexer.next_token()? {
        out.push(token);
    }
    Ok(out)
}

struct Lexer<'a> {
    src: &'a str,
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    /// Characters consumed so far.
    at: usize,
}

impl Lexer<'_> {
    fn bump(&mut self) -> Option<(usize, char)> {
        let next = self.chars.next();
        if next.is_some() {
            self.at += 1;
        }
        next
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().map(|&(_, c)| c)
    }

    /// The byte offset of the next character (the end of the source when there is none).
    fn offset(&mut self) -> usize {
        self.chars.peek().map_or(self.src.len(), |&(i, _)| i)
    }

    fn bump_if(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn next_token(&mut self) -> Result<Option<Token>, ExprError> {
        while self.peek().is_some_and(is_xml_space) {
            self.bump();
        }
        let Some((start, c)) = self.bump() else { return Ok(None) };
        let at = self.at;
        let syntax = |problem| ExprError::Syntax { at, problem };
        let tok = match c {
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            '+' => Tok::Plus,
            '-' => Tok::Minus,
            '*' => Tok::Star,
            '=' => Tok::Eq,
            '!' if self.bump_if('=') => Tok::Ne,
            '<' if self.bump_if('=') => Tok::Le,
            '<' => Tok::Lt,
            '>' if self.bump_if('=') => Tok::Ge,
            '>' => Tok::Gt,
            '\'' | '"' => Tok::Str(self.string(c).ok_or_else(|| syntax(Syntax::UnterminatedString))?),
            '$' if self.bump_if('{') => Tok::Ref(self.reference().map_err(syntax)?),
            '.' if !self.peek().is_some_and(|d| d.is_ascii_digit()) => Tok::Dot,
            '.' | '0'..='9' => Tok::Num(self.number(start).ok_or_else(|| syntax(Syntax::NumberOutOfRange))?),
            c if c.is_alphabetic() || c == '_' => Tok::Name(self.name(c)),
            c => {
                return Err(syntax(match full_width(c) {
                    Some(ascii) => Syntax::FullWidth { found: c, ascii },
                    None => Syntax::UnexpectedChar(c),
                }));
            }
        };
        Ok(Some(Token { tok, at, bytes: (start, self.offset()) }))
    }

    /// The rest of a quoted string (XPath 1.0 has no escapes); `None` if it never ends.
    fn string(&mut self, quote: char) -> Option<String> {
        let mut s = String::new();
        loop {
            match self.bump()? {
                (_, c) if c == quote => return Some(s),
                (_, c) => s.push(c),
            }
        }
    }

    /// The rest of `${name}` after `${`.
    fn reference(&mut self) -> Result<String, Syntax> {
        let mut name = String::new();
        loop {
            match self.bump() {
                None => return Err(Syntax::UnclosedReference),
                Some((_, '}')) => break,
                Some((_, c)) => name.push(c),
            }
        }
        let mut chars = name.chars();
        let valid_start = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
        if valid_start && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.')) {
            Ok(name)
        } else {
            Err(Syntax::BadReferenceName(name))
        }
    }

    /// A number: digits with an optional fraction, or a fraction alone (`.5`). No sign, no
    /// exponent; `None` if it is too large for a double.
    fn number(&mut self, start: usize) -> Option<f64> {
        let mut seen_point = self.src.get(start..)?.starts_with('.');
        loop {
            match self.peek() {
                Some(d) if d.is_ascii_digit() => {}
                Some('.') if !seen_point => seen_point = true,
                _ => break,
            }
            self.bump();
        }
        let end = self.offset();
        let n = super::value::parse_number(self.src.get(start..end)?);
        n.is_finite().then_some(n)
    }

    /// A word. A hyphen belongs to it only when a letter follows (`count-selected`), so that
    /// `3 div-1` still reads as `3 div -1`.
    fn name(&mut self, first: char) -> String {
        let mut name = String::from(first);
        loop {
            match self.peek() {
                Some(c) if c.is_alphanumeric() || c == '_' => {
                    name.push(c);
                    self.bump();
                }
                Some('-') if self.letter_after_hyphen() => {
                    name.push('-');
                    self.bump();
                }
                _ => return name,
            }
        }
    }

    fn letter_after_hyphen(&self) -> bool {
        let mut ahead = self.chars.clone();
        ahead.next();
        ahead.next().is_some_and(|(_, c)| c.is_alphabetic())
    }
}

/// The ASCII symbol a full-width one (from a Chinese input method) stands for.
fn full_width(c: char) -> Option<char> {
    Some(match c {
        '（' => '(',
        '）' => ')',
        '，' => ',',
        '＝' => '=',
        '＜' => '<',
        '＞' => '>',
        '！' => '!',
        '＋' => '+',
        '－' => '-',
        '＊' => '*',
        '‘' | '’' => '\'',
        '“' | '”' => '"',
        '｛' => '{',
        '｝' => '}',
        '＄' | '￥' => '$',
        '．' | '。' => '.',
        '\u{3000}' => ' ',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        tokens(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let t = tokens("'检查' = ${q}").unwrap();
        assert_eq!(t.iter().map(|t| t.at).collect::<Vec<_>>(), [1, 6, 8]);
        assert_eq!(t[0].bytes, (0, 8));
        let err = tokens("'中文' ? 1").unwrap_err();
        assert_eq!(err, ExprError::Syntax { at: 6, problem: Syntax::UnexpectedChar('?') });
    }

    #[test]
    fn hyphenated_function_names_stay_whole_but_minus_stays_an_operator() {
        assert_eq!(toks("count-selected("), [Tok::Name("count-selected".into()), Tok::LParen]);
        assert_eq!(toks("3 div-1"), [Tok::Num(3.0), Tok::Name("div".into()), Tok::Minus, Tok::Num(1.0)]);
    }

    #[test]
    fn dot_is_current_unless_a_digit_follows() {
        assert_eq!(toks(". .5 5."), [Tok::Dot, Tok::Num(0.5), Tok::Num(5.0)]);
        assert_eq!(toks("1.2.3"), [Tok::Num(1.2), Tok::Num(0.3)]);
    }

    #[test]
    fn references_and_operators() {
        assert_eq!(
            toks("${a_1}!=${b.c-d}<=>=<>"),
            [Tok::Ref("a_1".into()), Tok::Ne, Tok::Ref("b.c-d".into()), Tok::Le, Tok::Ge, Tok::Lt, Tok::Gt]
        );
        assert!(matches!(tokens("${1a}"), Err(ExprError::Syntax { at: 1, problem: Syntax::BadReferenceName(_) })));
        assert!(matches!(tokens("$q"), Err(ExprError::Syntax { at: 1, problem: Syntax::UnexpectedChar('$') })));
    }

    #[test]
    fn a_number_too_large_for_a_double_is_refused() {
        let big = format!("1{}", "0".repeat(400));
        assert!(matches!(tokens(&big), Err(ExprError::Syntax { problem: Syntax::NumberOutOfRange, .. })));
    }
}
