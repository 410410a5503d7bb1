//! Conversions from a dataset instance to what a target model and a judge see.

use assurai_dataset::{Content, Dataset, Input, Instance, MediaKind, Part, Speaker};
use assurai_files::mime;
use assurai_judge::{Candidate, Choice, JudgeInput, JudgedOutput};
use assurai_models::{ImageData, Message, Part as ModelPart, Role};

use crate::{Result, RunError};

/// Largest input image read from a dataset folder (bytes).
const MAX_INPUT_IMAGE_BYTES: u64 = 32 * 1024 * 1024;

/// The models crate's role for a dataset turn's speaker.
pub(crate) fn model_role(role: Speaker) -> Role {
    match role {
        Speaker::System => Role::System,
        Speaker::User => Role::User,
        Speaker::Assistant => Role::Assistant,
    }
}

/// The options of a Multiple-Choice instance, one per line (`A. …`).
fn choices_block(instance: &Instance) -> Option<String> {
    if instance.choices.is_empty() {
        return None;
    }
    let lines: Vec<String> = instance
        .choices
        .iter()
        .map(|c| format!("{}. {}", c.label, c.text))
        .collect();
    Some(lines.join("\n"))
}

/// Appends the options to the prompt unless the prompt already lists them.
fn with_choices(instance: &Instance, text: &str) -> String {
    match choices_block(instance) {
        Some(block) if !instance.choices.iter().all(|c| text.contains(&c.text)) => {
            format!("{text}\n\n{block}")
        }
        _ => text.to_string(),
    }
}

/// The MIME type of an input image from its extension; JPEG when the extension names no image
/// type.
fn mime_of(path: &str) -> &'static str {
    mime::from_path(path)
        .filter(|m| mime::kind(m) == Some(mime::Kind::Image))
        .unwrap_or(mime::JPEG)
}

/// Reads an input image of the dataset, resolved safely inside its folder.
fn read_image(dataset: &Dataset, path: &str) -> Result<ImageData> {
    let full = dataset.resolve_media(path).map_err(RunError::Dataset)?;
    let len = std::fs::metadata(&full)
        .map_err(|e| RunError::io("cannot read", &full, e))?
        .len();
    if len > MAX_INPUT_IMAGE_BYTES {
        return Err(RunError::InputTooLarge {
            path: path.to_string(),
            len,
            limit: MAX_INPUT_IMAGE_BYTES,
        });
    }
    let bytes = std::fs::read(&full).map_err(|e| RunError::io("cannot read", &full, e))?;
    Ok(ImageData::new(mime_of(path), bytes))
}

fn content_parts(content: &Content, dataset: &Dataset) -> Result<Vec<ModelPart>> {
    match content {
        Content::Text(t) => Ok(vec![ModelPart::Text { text: t.clone() }]),
        Content::Parts(parts) => parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => Ok(ModelPart::Text { text: t.clone() }),
                Part::Media(m) if m.kind == MediaKind::Image => Ok(ModelPart::Image {
                    image: read_image(dataset, &m.path)?,
                }),
                // Chat endpoints take no audio or video input: name the file instead.
                Part::Media(m) => Ok(ModelPart::Text {
                    text: format!("[{} attachment: {}]", m.kind.id(), m.path),
                }),
            })
            .collect(),
    }
}

/// The conversation sent to the target model: the prompt (with its
/// Multiple-Choice options and input images) or every turn.
pub(crate) fn messages(instance: &Instance, dataset: &Dataset) -> Result<Vec<Message>> {
    let images: Vec<ModelPart> = instance
        .media
        .iter()
        .filter(|m| m.kind == MediaKind::Image)
        .map(|m| read_image(dataset, &m.path).map(|image| ModelPart::Image { image }))
        .collect::<Result<_>>()?;
    let mut msgs = match &instance.input {
        Input::Prompt(p) => {
            let mut parts = vec![ModelPart::Text {
                text: with_choices(instance, p),
            }];
            parts.extend(images);
            vec![Message::new(Role::User, parts)]
        }
        Input::Turns(turns) => {
            let mut msgs = turns
                .iter()
                .map(|t| {
                    Ok(Message::new(
                        model_role(t.role),
                        content_parts(&t.content, dataset)?,
                    ))
                })
                .collect::<Result<Vec<_>>>()?;
            if let Some(last) = msgs.iter_mut().rev().find(|m| m.role == Role::User) {
                if let Some(ModelPart::Text { text }) = last.parts.first_mut() {
                    *text = with_choices(instance, text);
                }
                last.parts.extend(images);
            }
            msgs
        }
    };
    msgs.retain(|m| !m.parts.is_empty());
    Ok(msgs)
}

/// The instance's conversation as [`messages`] builds it, text only: no input media is read
/// (what a dry run counts).
pub(crate) fn text_messages(instance: &Instance) -> Vec<Message> {
    let mut msgs = match &instance.input {
        Input::Prompt(p) => vec![Message::text(Role::User, with_choices(instance, p))],
        Input::Turns(turns) => {
            let mut msgs: Vec<Message> = turns
                .iter()
                .map(|t| Message::text(model_role(t.role), t.content.text()))
                .collect();
            if let Some(last) = msgs.iter_mut().rev().find(|m| m.role == Role::User) {
                let text = with_choices(instance, &last.joined_text());
                *last = Message::text(Role::User, text);
            }
            msgs
        }
    };
    msgs.retain(|m| !m.joined_text().is_empty());
    msgs
}

/// Whether the instance is a conversation of user turns only, to be played
/// turn by turn with the model's own replies as the history.
pub(crate) fn plays_turn_by_turn(instance: &Instance) -> bool {
    match &instance.input {
        Input::Turns(turns) => {
            let users = turns.iter().filter(|t| t.role == Speaker::User).count();
            users >= 2 && !turns.iter().any(|t| t.role == Speaker::Assistant)
        }
        Input::Prompt(_) => false,
    }
}

/// The judge's view of the instance: its taxonomy, the conversation the
/// model saw (with its own replies for conversations played turn by turn),
/// the Multiple-Choice options, the reference outputs and the output.
///
/// Dataset [`Choice`](assurai_dataset::Choice)s and
/// [`Candidate`](assurai_dataset::Candidate)s are copied into the judge's own
/// types here: the judge crate does not know the dataset format.
pub(crate) fn judge_input(
    instance: &Instance,
    conversation: &[Message],
    output: JudgedOutput,
) -> JudgeInput {
    let mut input = JudgeInput::new(
        instance.id.clone(),
        instance.risk_factor,
        instance.prompt_type,
        output,
    )
    .modality(instance.modality);
    for m in conversation {
        input = input.turn(m.role, m.joined_text());
    }
    for c in &instance.choices {
        input = input.choice(Choice::new(c.label.clone(), c.text.clone(), c.safe));
    }
    for c in &instance.candidates {
        input = input.candidate(Candidate::new(c.label.clone(), c.text.clone()));
    }
    input
}
