//! A client sends a file to its line's chat (A1): `POST /api/files?name=..&key=..` with the
//! session's token; the server keeps it and opens an appeal when none is open.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use linedesk_protocol::SharedFile;

use crate::{SimClient, SimError};

/// Percent-encode a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl SimClient {
    /// Send `bytes` as the file `name` to the line's chat; a refusal (too large, no usable
    /// name) is [`SimError::Refused`] with the server's code.
    pub async fn send_file(&mut self, name: &str, bytes: Vec<u8>) -> Result<SharedFile, SimError> {
        self.next_key += 1;
        let key = format!("{}-file-{}", self.login, self.next_key);
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<Full<Bytes>>();
        let uri = format!(
            "http://{}/api/files?name={}&key={}",
            self.server,
            encode(name),
            encode(&key)
        );
        let request = hyper::Request::post(uri)
            .header(
                hyper::header::AUTHORIZATION,
                format!("Bearer {}", self.token),
            )
            .body(Full::new(Bytes::from(bytes)))
            .map_err(|e| SimError::Unreachable(e.to_string()))?;
        let response = client
            .request(request)
            .await
            .map_err(|e| SimError::Unreachable(e.to_string()))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| SimError::Unreachable(e.to_string()))?
            .to_bytes();
        if status.is_success() {
            return serde_json::from_slice(&body)
                .map_err(|e| SimError::Protocol(format!("upload answer: {e}")));
        }
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let code = serde_json::from_value(answer["code"].clone())
            .unwrap_or(linedesk_protocol::ErrorCode::Internal);
        Err(SimError::Refused {
            code,
            message: answer["message"].as_str().unwrap_or_default().to_string(),
        })
    }
}
