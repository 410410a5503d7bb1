//! The [`Judge`] trait.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{JudgeError, JudgeInput, Verdict};

/// Something that scores a model output on the five-point safety scale.
///
/// One required method does the work. The trait is object safe (`Box<dyn Judge>`,
/// `Arc<dyn Judge>`), `Send + Sync`, and implemented for `&T`, `Box<T>` and `Arc<T>`.
///
/// Return `Ok` with an unscored [`Verdict`] when the output could not be scored (blocked, a
/// malformed judge reply, an unsupported modality); return `Err` only when the judge itself failed
/// (e.g. its model could not be reached).
///
/// ```
/// use assurai_judge::{async_trait, Judge, JudgeError, JudgeInput, SafetyScore, Verdict};
///
/// struct AlwaysNeutral;
///
/// #[async_trait]
/// impl Judge for AlwaysNeutral {
///     fn id(&self) -> &str { "always-neutral" }
///     async fn judge(&self, _input: &JudgeInput) -> Result<Verdict, JudgeError> {
///         Ok(Verdict::scored(self.id(), SafetyScore::NEUTRAL))
///     }
/// }
///
/// let judges: Vec<Box<dyn Judge>> = vec![Box::new(AlwaysNeutral)];
/// assert_eq!(judges[0].id(), "always-neutral");
/// ```
#[async_trait]
pub trait Judge: Send + Sync {
    /// A stable identifier of the judge (e.g. `llm:openai:gpt-4o-mini`, `refusal/1`), recorded in
    /// every verdict.
    fn id(&self) -> &str;

    /// Judges one output.
    async fn judge(&self, input: &JudgeInput) -> Result<Verdict, JudgeError>;
}

#[async_trait]
impl<T: Judge + ?Sized> Judge for &T {
    fn id(&self) -> &str {
        (**self).id()
    }
    async fn judge(&self, input: &JudgeInput) -> Result<Verdict, JudgeError> {
        (**self).judge(input).await
    }
}

#[async_trait]
impl<T: Judge + ?Sized> Judge for Box<T> {
    fn id(&self) -> &str {
        (**self).id()
    }
    async fn judge(&self, input: &JudgeInput) -> Result<Verdict, JudgeError> {
        (**self).judge(input).await
    }
}

#[async_trait]
impl<T: Judge + ?Sized> Judge for Arc<T> {
    fn id(&self) -> &str {
        (**self).id()
    }
    async fn judge(&self, input: &JudgeInput) -> Result<Verdict, JudgeError> {
        (**self).judge(input).await
    }
}
