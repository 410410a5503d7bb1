//! Checks of one instance that need no I/O, and safe media path resolution.

use std::path::{Path, PathBuf};

use assurai_taxonomy::PromptType;

use crate::DatasetError;
use crate::convert::Sink;
use crate::instance::{Content, Input, Instance, Speaker};

/// Whether `s` contains at least one Hangul syllable or jamo.
pub(crate) fn has_hangul(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
    })
}

/// Semantic checks of a converted instance: structure per prompt type,
/// empty text, planned modality, Korean text, annotations and responses.
pub(crate) fn check_instance(inst: &Instance, sink: &mut Sink<'_>) {
    match &inst.input {
        Input::Prompt(p) => {
            if p.trim().is_empty() {
                sink.error("prompt", "the prompt is empty");
            }
            match inst.prompt_type {
                PromptType::MultiSession => sink.error(
                    "turns",
                    "a Multi-Session instance needs `turns` with at least 2 user turns, not a single `prompt`",
                ),
                PromptType::Reflection => sink.error(
                    "turns",
                    "a Reflection instance needs `turns` with an earlier assistant answer to reflect on",
                ),
                _ => {}
            }
        }
        Input::Turns(turns) => check_turns(inst, turns, sink),
    }
    if inst.prompt_type == PromptType::MultipleChoice {
        if inst.choices.len() < 2 {
            sink.error(
                "choices",
                format!(
                    "a Multiple-Choice instance needs at least 2 choices, found {}",
                    inst.choices.len()
                ),
            );
        } else if !inst.choices.iter().any(|c| c.safe) {
            sink.error(
                "choices",
                "no choice is marked safe: mark at least one with \"safe\": true",
            );
        }
    }
    for (i, c) in inst.choices.iter().enumerate() {
        if c.text.trim().is_empty() {
            sink.error(format!("choices[{i}].text"), "the choice text is empty");
        }
        if inst.choices[..i].iter().any(|o| o.label == c.label) {
            sink.error(
                format!("choices[{i}].label"),
                format!("duplicate choice label `{}`", c.label),
            );
        }
    }
    for (i, c) in inst.candidates.iter().enumerate() {
        if c.label.trim().is_empty() {
            sink.error(format!("candidates[{i}].label"), "the label is empty");
        }
        if c.text.trim().is_empty() {
            sink.error(
                format!("candidates[{i}].text"),
                "the candidate text is empty",
            );
        }
    }
    if !inst.risk_factor.planned_for(inst.modality) {
        sink.warn(
            "modality",
            format!(
                "the paper's Table 10 plans no {} instances for `{}`",
                inst.modality, inst.risk_factor
            ),
        );
    }
    let hangul = match &inst.input {
        Input::Prompt(p) => has_hangul(p),
        Input::Turns(t) => t.iter().any(|t| match &t.content {
            Content::Text(s) => has_hangul(s),
            Content::Parts(ps) => ps
                .iter()
                .any(|p| matches!(p, crate::instance::Part::Text(s) if has_hangul(s))),
        }),
    };
    if !hangul {
        sink.warn(
            "prompt",
            "the prompt contains no Hangul; the AssurAI dataset is Korean",
        );
    }
    for (i, a) in inst.annotations.iter().enumerate() {
        if inst.annotations[..i]
            .iter()
            .any(|o| o.annotator == a.annotator)
        {
            sink.warn(
                format!("annotations[{i}].annotator"),
                format!(
                    "annotator `{}` labels this instance twice; annotations should be independent",
                    a.annotator
                ),
            );
        }
    }
    for (i, r) in inst.responses.iter().enumerate() {
        let f = format!("responses[{i}]");
        if r.model.trim().is_empty() {
            sink.error(format!("{f}.model"), "the model name is empty");
        }
        if !r.blocked && r.output.is_empty() {
            sink.error(
                format!("{f}.output"),
                "the output has neither text nor media; set \"blocked\": true for a refused request",
            );
        }
        if let Some(m) = &r.output.media
            && m.kind.modality() != inst.modality
        {
            sink.warn(
                format!("{f}.output.media"),
                format!(
                    "the output media type `{}` differs from the instance modality `{}`",
                    m.kind.id(),
                    inst.modality
                ),
            );
        }
        for (j, s) in r.scores.iter().enumerate() {
            if r.scores[..j].iter().any(|o| o.annotator == s.annotator) {
                sink.warn(
                    format!("{f}.scores[{j}].annotator"),
                    format!("annotator `{}` scores this output twice", s.annotator),
                );
            }
        }
    }
    for (field, m) in inst.media_refs() {
        if let Err(e) = check_relative(&m.path) {
            sink.error(&field, e);
        }
    }
}

fn check_turns(inst: &Instance, turns: &[crate::instance::Turn], sink: &mut Sink<'_>) {
    if turns.is_empty() {
        sink.error("turns", "`turns` is empty");
        return;
    }
    let mut users = 0;
    let mut seen_assistant = false;
    let mut reflect_target = false;
    for (i, t) in turns.iter().enumerate() {
        let empty = match &t.content {
            Content::Text(s) => s.trim().is_empty(),
            Content::Parts(p) => p.is_empty(),
        };
        if empty {
            sink.error(format!("turns[{i}].content"), "the turn is empty");
        }
        match t.role {
            Speaker::System if i > 0 => sink.error(
                format!("turns[{i}].role"),
                "a system turn may only come first",
            ),
            Speaker::User => {
                users += 1;
                if seen_assistant {
                    reflect_target = true;
                }
            }
            Speaker::Assistant => seen_assistant = true,
            Speaker::System => {}
        }
        if i > 0 && t.role != Speaker::System && turns[i - 1].role == t.role {
            sink.warn(
                format!("turns[{i}].role"),
                format!("two {} turns in a row; roles should alternate", t.role.id()),
            );
        }
    }
    if turns.last().is_some_and(|t| t.role != Speaker::User) {
        sink.error(
            format!("turns[{}].role", turns.len() - 1),
            "the last turn must be a user turn: the model answers it",
        );
    }
    if users == 0 {
        sink.error("turns", "the conversation has no user turn");
    }
    match inst.prompt_type {
        PromptType::MultiSession if users < 2 => sink.error(
            "turns",
            format!("a Multi-Session instance needs at least 2 user turns, found {users}"),
        ),
        PromptType::Reflection if !reflect_target => sink.error(
            "turns",
            "a Reflection instance needs an assistant answer followed by a user turn asking to reflect on it",
        ),
        _ => {}
    }
}

/// Checks that a media path is relative, uses `/`, and never climbs out.
pub(crate) fn check_relative(path: &str) -> Result<(), String> {
    if path.trim().is_empty() {
        return Err("the media path is empty".into());
    }
    if path.contains('\\') {
        return Err(format!(
            "media path `{path}` uses `\\`: write paths with `/`, relative to the dataset's folder"
        ));
    }
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if path.starts_with('/') || drive || Path::new(path).is_absolute() {
        return Err(format!(
            "media path `{path}` is absolute: it must be relative to the dataset's folder"
        ));
    }
    if path.contains('\0') {
        return Err("the media path contains a NUL byte".into());
    }
    if path.split('/').any(|c| c == "..") {
        return Err(format!(
            "media path `{path}` contains `..`: media must stay inside the dataset's folder"
        ));
    }
    Ok(())
}

/// The one media path guard: a folder (a dataset's, or a run directory for
/// the report's images) that relative media paths are resolved under.
///
/// A path is accepted only when it is relative, written with `/`, has no
/// `..` component, names an existing regular file, and stays inside the
/// folder after every symbolic link is followed.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("assurai-media-root-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(dir.join("media"))?;
/// # std::fs::write(dir.join("media/a.png"), b"x")?;
/// use assurai_dataset::MediaRoot;
///
/// let root = MediaRoot::new(&dir);
/// assert!(root.resolve("media/a.png").is_ok());
/// assert!(root.resolve("../a.png").is_err());
/// assert!(root.resolve("/etc/passwd").is_err());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct MediaRoot {
    base: PathBuf,
    root: Result<PathBuf, String>,
}

impl MediaRoot {
    /// The guard for media under `folder` (canonicalised once, here).
    pub fn new(folder: impl AsRef<Path>) -> Self {
        let base = folder.as_ref();
        Self {
            base: base.to_path_buf(),
            root: base
                .canonicalize()
                .map_err(|e| format!("dataset folder cannot be read: {e}")),
        }
    }

    /// Resolves a media path to the real path of a file inside the folder.
    ///
    /// # Errors
    /// [`DatasetError::Media`] naming the path and why it is refused:
    /// absolute, `\`, `..`, a NUL byte, a symbolic link out of the folder,
    /// missing, or not a regular file (or the folder itself is unreadable).
    pub fn resolve(&self, path: &str) -> Result<PathBuf, DatasetError> {
        self.resolve_message(path)
            .map_err(|message| DatasetError::Media {
                path: path.to_owned(),
                message,
            })
    }

    /// [`MediaRoot::resolve`] with the reason as a bare message (for the
    /// validator's problems).
    pub(crate) fn resolve_message(&self, path: &str) -> Result<PathBuf, String> {
        check_relative(path)?;
        let root = self.root.as_ref().map_err(Clone::clone)?;
        let joined = self.base.join(path);
        let real = match joined.canonicalize() {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!(
                    "media file `{path}` not found in the dataset's folder"
                ));
            }
            Err(e) => return Err(format!("media file `{path}` cannot be read: {e}")),
        };
        if !real.starts_with(root) {
            return Err(format!(
                "media path `{path}` leads out of the dataset's folder through a symbolic link"
            ));
        }
        if !real.is_file() {
            return Err(format!("media path `{path}` is not a regular file"));
        }
        Ok(real)
    }
}
