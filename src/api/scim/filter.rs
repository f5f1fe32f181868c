//! SCIM's filter language (RFC 7644 §3.4.2.2) parsed into the service's [`ScimFilter`]:
//! comparisons (`eq ne co sw ew gt ge lt le`), `pr`, `and` (binding tighter than `or`),
//! `not (…)`, parentheses and value paths (`emails[type eq "work"]`), over the attributes
//! rocketlite stores. Twenty lines of grammar; a parser crate would bring more than it saves.

use crate::service::{ScimAttr, ScimFilter, ScimOp, ScimValue};

/// Why a filter was refused; the text is SCIM's `detail`.
#[derive(Debug, PartialEq, Eq)]
pub struct FilterError(pub String);

/// Parses `text`; attributes outside what rocketlite stores are refused.
pub fn parse(text: &str) -> Result<ScimFilter, FilterError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        within: None,
    };
    let filter = parser.or()?;
    match parser.peek() {
        None => Ok(filter),
        Some(token) => Err(FilterError(format!("unexpected {token:?} in the filter"))),
    }
}

/// The attribute a path names, outside or inside a value path (`within` = `emails`).
pub fn attribute(path: &str, within: Option<&str>) -> Option<ScimAttr> {
    let path = strip_urn(path).to_ascii_lowercase();
    let full = match within {
        Some(parent) => format!("{parent}.{path}"),
        None => path,
    };
    Some(match full.as_str() {
        "id" => ScimAttr::Id,
        "username" => ScimAttr::UserName,
        "displayname" => ScimAttr::DisplayName,
        "externalid" => ScimAttr::ExternalId,
        "active" => ScimAttr::Active,
        "emails" | "emails.value" => ScimAttr::EmailValue,
        "emails.type" => ScimAttr::EmailType,
        "meta.created" => ScimAttr::Created,
        "meta.lastmodified" => ScimAttr::LastModified,
        _ => return None,
    })
}

/// `urn:ietf:params:scim:schemas:core:2.0:User:userName` names `userName`.
pub fn strip_urn(path: &str) -> &str {
    const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:user:";
    match path.get(..USER_URN.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(USER_URN) => &path[USER_URN.len()..],
        _ => path,
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Number(f64),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '[' | ']' => {
                chars.next();
                out.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
            }
            '"' => {
                // A JSON string: let serde_json read it, escapes and all.
                let mut end = None;
                let mut escaped = false;
                chars.next();
                for (i, c) in chars.by_ref() {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => {
                            end = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                let end = end.ok_or_else(|| FilterError("unterminated string".into()))?;
                let value = serde_json::from_str(&text[start..=end])
                    .map_err(|_| FilterError("invalid string".into()))?;
                out.push(Token::Str(value));
            }
            _ => {
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if c.is_whitespace() || "()[]\"".contains(c) {
                        break;
                    }
                    end = i + c.len_utf8();
                    chars.next();
                }
                let word = &text[start..end];
                out.push(match word.parse::<f64>() {
                    Ok(n) if word.starts_with(|c: char| c.is_ascii_digit() || c == '-') => {
                        Token::Number(n)
                    }
                    _ => Token::Word(word.to_string()),
                });
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// Inside `emails[…]`: the attribute whose sub-attributes are named.
    within: Option<String>,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn expect(&mut self, token: Token) -> Result<(), FilterError> {
        match self.next() {
            Some(t) if t == token => Ok(()),
            other => Err(FilterError(format!("expected {token:?}, found {other:?}"))),
        }
    }

    fn or(&mut self) -> Result<ScimFilter, FilterError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = ScimFilter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<ScimFilter, FilterError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.at += 1;
            left = ScimFilter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<ScimFilter, FilterError> {
        if self.keyword("not") {
            self.at += 1;
            self.expect(Token::Open)?;
            let inner = self.or()?;
            self.expect(Token::Close)?;
            return Ok(ScimFilter::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            self.expect(Token::Close)?;
            return Ok(inner);
        }
        let path = match self.next() {
            Some(Token::Word(path)) => path,
            other => {
                return Err(FilterError(format!(
                    "expected an attribute, found {other:?}"
                )));
            }
        };
        if self.peek() == Some(&Token::OpenBracket) {
            if self.within.is_some() {
                return Err(FilterError("value paths do not nest".into()));
            }
            self.at += 1;
            self.within = Some(strip_urn(&path).to_ascii_lowercase());
            let inner = self.or();
            self.within = None;
            let inner = inner?;
            self.expect(Token::CloseBracket)?;
            return Ok(inner);
        }
        let attr = attribute(&path, self.within.as_deref())
            .ok_or_else(|| FilterError(format!("rocketlite cannot filter on {path}")))?;
        let op = match self.next() {
            Some(Token::Word(op)) => op.to_ascii_lowercase(),
            other => {
                return Err(FilterError(format!(
                    "expected an operator, found {other:?}"
                )));
            }
        };
        let op = match op.as_str() {
            "pr" => return Ok(ScimFilter::Present(attr)),
            "eq" => ScimOp::Eq,
            "ne" => ScimOp::Ne,
            "co" => ScimOp::Co,
            "sw" => ScimOp::Sw,
            "ew" => ScimOp::Ew,
            "gt" => ScimOp::Gt,
            "ge" => ScimOp::Ge,
            "lt" => ScimOp::Lt,
            "le" => ScimOp::Le,
            other => return Err(FilterError(format!("unknown operator {other}"))),
        };
        let value = match self.next() {
            Some(Token::Str(s)) => ScimValue::Str(s),
            Some(Token::Number(n)) => ScimValue::Number(n),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => ScimValue::Bool(true),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => ScimValue::Bool(false),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("null") => ScimValue::Null,
            other => return Err(FilterError(format!("expected a value, found {other:?}"))),
        };
        Ok(ScimFilter::Compare(attr, op, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(attr: ScimAttr, value: &str) -> ScimFilter {
        ScimFilter::Compare(attr, ScimOp::Eq, ScimValue::Str(value.into()))
    }

    #[test]
    fn the_identity_providers_lookups_parse() {
        assert_eq!(
            parse(r#"userName eq "ada@example.org""#),
            Ok(eq(ScimAttr::UserName, "ada@example.org"))
        );
        assert_eq!(
            parse(r#"externalId EQ "00u1""#),
            Ok(eq(ScimAttr::ExternalId, "00u1"))
        );
        assert_eq!(
            parse("active eq false"),
            Ok(ScimFilter::Compare(
                ScimAttr::Active,
                ScimOp::Eq,
                ScimValue::Bool(false)
            ))
        );
        assert_eq!(
            parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a\"b""#),
            Ok(eq(ScimAttr::UserName, "a\"b"))
        );
    }

    #[test]
    fn and_binds_tighter_than_or_and_value_paths_name_sub_attributes() {
        let f = parse(r#"userName eq "a" or userName eq "b" and not (active eq true)"#).unwrap();
        let not_active = ScimFilter::Not(Box::new(ScimFilter::Compare(
            ScimAttr::Active,
            ScimOp::Eq,
            ScimValue::Bool(true),
        )));
        assert_eq!(
            f,
            ScimFilter::Or(
                Box::new(eq(ScimAttr::UserName, "a")),
                Box::new(ScimFilter::And(
                    Box::new(eq(ScimAttr::UserName, "b")),
                    Box::new(not_active)
                ))
            )
        );
        assert_eq!(
            parse(r#"emails[type eq "work"]"#),
            Ok(eq(ScimAttr::EmailType, "work"))
        );
        assert_eq!(
            parse("meta.lastModified pr"),
            Ok(ScimFilter::Present(ScimAttr::LastModified))
        );
    }

    #[test]
    fn malformed_filters_and_unknown_attributes_are_refused() {
        for text in [
            "",
            "userName",
            r#"userName eq"#,
            r#"userName xx "a""#,
            r#"title eq "boss""#,
            r#"userName eq "a" and"#,
            r#"(userName eq "a""#,
            r#"userName eq "a"#,
            r#"emails[emails[value pr]]"#,
            r#"userName eq "a" )"#,
        ] {
            assert!(parse(text).is_err(), "{text:?} was accepted");
        }
    }
}
