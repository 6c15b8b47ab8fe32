//! Keeping the account registered: REGISTER with digest authentication, a refresh when half
//! of the granted time has passed, retries with a doubling wait after a failure (the
//! registrar gone, a timeout), none after a wrong password or a 403; the registrar's
//! Min-Expires taken after a 423; un-REGISTER on stop.

use std::sync::Arc;
use std::time::Duration;

use rsipstack::dialog::registration::Registration;
use rsipstack::sip::{Header, Response, StatusCode, Uri};
use rsipstack::transaction::endpoint::EndpointInnerRef;
use tokio::sync::watch;

use crate::account::{Server, Timing};
use crate::agent::{Shared, resolve};
use crate::{RegistrationState, SipError};

/// The shortest wait before a refresh, whatever the registrar granted.
const MIN_REFRESH: Duration = Duration::from_millis(500);

pub(crate) struct Registrar {
    registration: Registration,
    /// The address of record's domain, as the REGISTER's Request-URI.
    domain: Uri,
    server: Server,
    timing: Timing,
    /// The registrar's Min-Expires, learnt from a 423 (0 until then).
    min_expires: u32,
    state: watch::Sender<RegistrationState>,
}

impl Registrar {
    pub(crate) fn new(
        endpoint: EndpointInnerRef,
        shared: &Arc<Shared>,
        state: watch::Sender<RegistrationState>,
    ) -> Result<Registrar, SipError> {
        let domain = Uri::try_from(format!("sip:{}", shared.account.domain).as_str())
            .map_err(|_| SipError::InvalidAccount("domain"))?;
        Ok(Registrar {
            registration: Registration::new(endpoint, Some(shared.credential())),
            domain,
            server: shared.account.registrar.clone(),
            timing: shared.timing.clone(),
            min_expires: 0,
            state,
        })
    }

    /// Register until `stop` turns true, then unregister.
    pub(crate) async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut count = 0u64;
        let mut backoff = self.timing.retry_min;
        loop {
            let wait = match self.register(self.expires()).await {
                Ok(granted) => {
                    count += 1;
                    self.state.send_replace(RegistrationState::Registered {
                        expires: granted,
                        count,
                    });
                    backoff = self.timing.retry_min;
                    refresh_after(granted)
                }
                Err(error) => {
                    let retrying = !matches!(
                        error,
                        SipError::WrongPassword | SipError::Forbidden | SipError::InvalidAccount(_)
                    );
                    self.state
                        .send_replace(RegistrationState::Failed { error, retrying });
                    if !retrying {
                        let _ = stop.wait_for(|stopped| *stopped).await;
                        break;
                    }
                    let wait = backoff;
                    backoff = (backoff * 2).min(self.timing.retry_max);
                    wait
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.wait_for(|stopped| *stopped) => break,
            }
        }
        if self.state.borrow().is_registered() {
            let _ = self.register(0).await;
        }
        self.state.send_replace(RegistrationState::Unregistered);
    }

    /// The lifetime to ask for: the configured one, or the registrar's minimum once it
    /// answered 423.
    fn expires(&self) -> u32 {
        u32::try_from(self.timing.expires.as_secs())
            .unwrap_or(u32::MAX)
            .max(1)
            .max(self.min_expires)
    }

    /// One REGISTER (answering the challenge; asking again once after a 423); the granted
    /// lifetime in seconds.
    async fn register(&mut self, expires: u32) -> Result<u32, SipError> {
        self.register_once(expires, false).await
    }

    async fn register_once(&mut self, expires: u32, retried: bool) -> Result<u32, SipError> {
        let registrar = resolve(&self.server).await?;
        self.registration.outbound_proxy = Some(registrar);
        let sent = tokio::time::timeout(
            self.timing.response_timeout,
            self.registration
                .register(self.domain.clone(), Some(expires)),
        )
        .await;
        match sent {
            Err(_elapsed) => Err(SipError::RegistrarUnreachable),
            Ok(Err(e)) => Err(SipError::from_stack(e)),
            Ok(Ok(response)) if response.status_code == StatusCode::OK => {
                Ok(self.registration.expires())
            }
            // 423: the registrar wants a longer registration; ask again with its minimum, once.
            Ok(Ok(response))
                if response.status_code == StatusCode::IntervalTooBrief
                    && expires != 0
                    && !retried =>
            {
                match min_expires(&response) {
                    Some(min) if min > expires => {
                        self.min_expires = min;
                        Box::pin(self.register_once(min, true)).await
                    }
                    _ => Err(SipError::Rejected { status: 423 }),
                }
            }
            Ok(Ok(response)) => Err(SipError::from_status(response.status_code.code())),
        }
    }
}

/// The Min-Expires of a 423 answer.
fn min_expires(response: &Response) -> Option<u32> {
    response.headers.iter().find_map(|header| match header {
        Header::MinExpires(min) => min.value().trim().parse().ok(),
        _ => None,
    })
}

/// When to refresh a registration granted for `granted` seconds: at half of it.
fn refresh_after(granted: u32) -> Duration {
    (Duration::from_secs(u64::from(granted)) / 2).max(MIN_REFRESH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refreshes_come_at_half_the_granted_time() {
        assert_eq!(refresh_after(3600), Duration::from_secs(1800));
        assert_eq!(refresh_after(2), Duration::from_secs(1));
        assert_eq!(refresh_after(0), MIN_REFRESH);
    }
}
