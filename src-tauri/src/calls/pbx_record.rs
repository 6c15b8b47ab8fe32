//! Issue 18: a PBX call with a client kept on the client's appeal like a line call. The line
//! is told the call took place (`LogPbxCall`: it opens or reuses the appeal, A1), its answer
//! names the call's id (`PbxCallLogged` with the action's key), and the recording joins the
//! line calls' upload queue, which uploads it to that call (`finish.rs`).

use std::path::Path;
use std::time::Duration;

use linedesk_engine::UploadQueue;
use linedesk_protocol::{Action, Event};
use linedesk_sync::Incoming;

use super::{Calls, CallsError};

/// How long the line has to announce the logged call.
const LOGGED_WAIT: Duration = Duration::from_secs(30);

/// A PBX call that ended: who with and how long they talked.
#[derive(Debug, Clone, Copy)]
pub struct PbxCallDone {
    pub line: u64,
    pub client: u64,
    pub inbound: bool,
    pub connected: Duration,
}

impl Calls {
    /// Tell the line that `call` took place and queue its `recording` for its appeal; the
    /// call's id at the line.
    pub async fn keep_pbx_call(
        &self,
        call: PbxCallDone,
        recording: Option<&Path>,
    ) -> Result<u64, CallsError> {
        let mut events = self.sync.incoming();
        let connected_ms = u64::try_from(call.connected.as_millis())
            .unwrap_or(u64::MAX)
            .min(linedesk_protocol::MAX_PBX_CALL_MS);
        let key = self
            .sync
            .submit_now(Action::LogPbxCall {
                line: call.line,
                client: call.client,
                inbound: call.inbound,
                connected_ms,
            })
            .await
            .map_err(|e| CallsError::Server(e.to_string()))?;
        let id = tokio::time::timeout(LOGGED_WAIT, async {
            loop {
                match events.recv().await {
                    Ok(Incoming::Event {
                        event:
                            Event::PbxCallLogged {
                                call, key: Some(k), ..
                            },
                        ..
                    }) if k == key => return Some(call),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    _ => {}
                }
            }
        })
        .await
        .ok()
        .flatten()
        .ok_or_else(|| CallsError::Server("the line did not keep the PBX call".into()))?;
        if let Some(recording) = recording {
            UploadQueue::open(&self.recordings().join("outbox"))
                .and_then(|queue| queue.enqueue(id, recording, &self.server()))
                .map_err(|e| CallsError::Call(e.to_string()))?;
        }
        Ok(id)
    }
}
