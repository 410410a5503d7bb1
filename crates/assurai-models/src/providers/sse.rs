//! An incremental Server-Sent Events parser (the `text/event-stream` format of the WHATWG HTML
//! standard), fed with arbitrary byte chunks.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event:` field, if any.
    pub(crate) event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub(crate) data: String,
    /// The value of a non-standard `error:` field, as llama.cpp's server writes an error that
    /// happens after the stream began (`error: {"code":500,"message":…}`). The standard says to
    /// ignore unknown fields; ignoring this one would turn a failed generation into an empty
    /// success, so it is kept (and an event that has only this field is dispatched).
    pub(crate) error: Option<String>,
}

impl SseEvent {
    /// Whether the event reports an error: an `error:` field or `event: error`.
    pub(crate) fn is_error(&self) -> bool {
        self.error.is_some() || self.event.as_deref() == Some("error")
    }
}

/// Feeds bytes in, gets events out. Lines may end in `\n`, `\r\n` or `\r`, and a chunk boundary
/// may fall anywhere, including inside a UTF-8 sequence or between `\r` and `\n`.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    line: Vec<u8>,
    after_cr: bool,
    data: String,
    has_data: bool,
    event: Option<String>,
    error: Option<String>,
}

/// A line that is not valid UTF-8.
#[derive(Debug)]
pub(crate) struct InvalidUtf8;

impl SseParser {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Parses a chunk, appending completed events to `out`.
    pub(crate) fn push(
        &mut self,
        chunk: &[u8],
        out: &mut Vec<SseEvent>,
    ) -> Result<(), InvalidUtf8> {
        let mut rest = chunk;
        while !rest.is_empty() {
            if self.after_cr {
                self.after_cr = false;
                if rest[0] == b'\n' {
                    rest = &rest[1..];
                    continue;
                }
            }
            match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(i) => {
                    self.line.extend_from_slice(&rest[..i]);
                    self.after_cr = rest[i] == b'\r';
                    rest = &rest[i + 1..];
                    self.end_line(out)?;
                }
                None => {
                    self.line.extend_from_slice(rest);
                    rest = &[];
                }
            }
        }
        Ok(())
    }

    /// Ends the stream: an unterminated last line and a pending event are dispatched (lenient:
    /// some servers close without the final blank line).
    pub(crate) fn finish(&mut self, out: &mut Vec<SseEvent>) -> Result<(), InvalidUtf8> {
        if !self.line.is_empty() {
            self.end_line(out)?;
        }
        self.dispatch(out);
        Ok(())
    }

    fn end_line(&mut self, out: &mut Vec<SseEvent>) -> Result<(), InvalidUtf8> {
        let line = std::mem::take(&mut self.line);
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        let line = String::from_utf8(line).map_err(|_| InvalidUtf8)?;
        if line.starts_with(':') {
            return Ok(());
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_str(), ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event = Some(value.to_owned()),
            "error" => match &mut self.error {
                Some(e) => {
                    e.push('\n');
                    e.push_str(value);
                }
                None => self.error = Some(value.to_owned()),
            },
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        if self.has_data || self.error.is_some() {
            out.push(SseEvent {
                event: self.event.take(),
                data: std::mem::take(&mut self.data),
                error: self.error.take(),
            });
            self.has_data = false;
        } else {
            self.event = None;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use proptest::prelude::*;

    use super::*;

    fn parse_chunks(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for c in chunks {
            p.push(c, &mut out).unwrap();
        }
        p.finish(&mut out).unwrap();
        out
    }

    fn data(events: &[SseEvent]) -> Vec<&str> {
        events.iter().map(|e| e.data.as_str()).collect()
    }

    #[test]
    fn basic_forms() {
        let cases: &[(&str, &[&str])] = &[
            ("data: a\n\ndata: b\n\n", &["a", "b"]),
            ("data: a\r\n\r\ndata: b\r\n\r\n", &["a", "b"]),
            ("data: a\r\rdata: b\r\r", &["a", "b"]),
            ("data:x\ndata: y\n\n", &["x\ny"]),
            (": keep-alive\n\ndata: z\n\n", &["z"]),
            ("event: ping\n\n", &[]),
            ("data: 한국어 텍스트\n\n", &["한국어 텍스트"]),
            ("data: last", &["last"]),
            ("data\n\n", &[""]),
        ];
        for (input, want) in cases {
            assert_eq!(data(&parse_chunks(&[input.as_bytes()])), *want, "{input:?}");
        }
    }

    #[test]
    fn error_fields_and_error_events_are_kept() {
        let evs = parse_chunks(&[b"data: a\n\nerror: {\"code\":500}\n\n"]);
        assert_eq!(evs.len(), 2);
        assert!(!evs[0].is_error());
        assert!(evs[1].is_error());
        assert_eq!(evs[1].error.as_deref(), Some("{\"code\":500}"));
        let evs = parse_chunks(&[b"event: error\ndata: {\"message\":\"x\"}\n\n"]);
        assert!(evs[0].is_error());
        assert_eq!(evs[0].data, "{\"message\":\"x\"}");
        // An unterminated last error line still counts.
        let evs = parse_chunks(&[b"error: boom"]);
        assert_eq!(evs[0].error.as_deref(), Some("boom"));
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        assert!(p.push(b"data: \xff\xfe\n\n", &mut out).is_err());
    }

    proptest! {
        #[test]
        fn any_split_gives_same_events(
            texts in prop::collection::vec("[a-z가-힣 {}\":,]{0,12}", 1..6),
            eol in prop::sample::select(vec!["\n", "\r\n", "\r"]),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let mut stream = String::new();
            for t in &texts {
                stream.push_str("data: ");
                stream.push_str(t);
                stream.push_str(eol);
                stream.push_str(eol);
            }
            let bytes = stream.as_bytes();
            let mut points: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
            points.sort_unstable();
            let mut chunks = Vec::new();
            let mut last = 0;
            for p in points {
                chunks.push(&bytes[last..p]);
                last = p;
            }
            chunks.push(&bytes[last..]);
            let whole = parse_chunks(&[bytes]);
            let split = parse_chunks(&chunks);
            prop_assert_eq!(&whole, &split);
            prop_assert_eq!(data(&whole), texts.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}
