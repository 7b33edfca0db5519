//! [`pair`]: one negotiated, established session between two endpoints, for tests.

use crate::{AnswerOptions, Endpoint, MediaOptions, Session};

/// Negotiates one session from `alice` (offerer, with `offer`) to `bob` (answerer, with
/// `answer`) and establishes both ends at once; returns (alice's end, bob's end).
///
/// # Panics
/// When any step fails or the answer rejects the m-line: this is a test helper.
pub async fn pair(
    alice: &Endpoint,
    bob: &Endpoint,
    offer: MediaOptions,
    answer: AnswerOptions,
) -> (Session, Session) {
    let pending = alice.offer(&[offer]).await.expect("offer");
    let ans = bob.answer(&pending.sdp, &answer).await.expect("answer");
    assert!(ans.rejections.is_empty(), "{:?}", ans.rejections);
    let sel = alice
        .complete(&pending, &ans.sdp)
        .expect("complete")
        .remove(0);
    let (a, b) = futures::join!(
        alice.establish(sel),
        bob.establish(ans.selections[0].clone())
    );
    (a.expect("alice establishes"), b.expect("bob establishes"))
}
