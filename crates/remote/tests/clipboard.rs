//! The X11 clipboard, alone and through a session: text set by one X client is read by
//! another, the host's clipboard reaches the viewer, and the viewer's reaches the host.

mod common;

use std::time::Duration;

use common::{connect_with_clipboard, display_with_xterm};
use linedesk_remote::xvfb::VirtualDisplay;
use linedesk_remote::{Clipboard, HostOptions, InputEvent, X11Clipboard};

#[test]
fn text_set_by_one_client_is_read_by_another() {
    let display = VirtualDisplay::start(320, 200).expect("Xvfb");
    let name = display.name();
    let mut a = X11Clipboard::connect(Some(&name)).expect("a");
    let mut b = X11Clipboard::connect(Some(&name)).expect("b");
    assert_eq!(b.get_text().expect("empty"), None);
    a.set_text("Привет, remote clipboard").expect("set");
    assert_eq!(
        b.get_text().expect("get").as_deref(),
        Some("Привет, remote clipboard")
    );
    // b takes the selection over; a reads it from b.
    b.set_text("second").expect("set");
    assert_eq!(a.get_text().expect("get").as_deref(), Some("second"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clipboard_text_crosses_the_session_both_ways() {
    let display = display_with_xterm();
    let name = display.name();
    let host_clipboard = X11Clipboard::connect(Some(&name)).expect("host clipboard");
    let options = HostOptions {
        clipboard_poll: Some(Duration::from_millis(200)),
        ..HostOptions::default()
    };
    let mut session = connect_with_clipboard(&name, options, Some(Box::new(host_clipboard))).await;
    let mut app_on_host = X11Clipboard::connect(Some(&name)).expect("another program");

    app_on_host
        .set_text("copied on the client's PC")
        .expect("set");
    let got = tokio::time::timeout(Duration::from_secs(10), session.channels.clipboard.recv())
        .await
        .expect("in time")
        .expect("text");
    assert_eq!(got, "copied on the client's PC");

    session
        .viewer
        .send_input(&InputEvent::Clipboard {
            text: "pasted by the specialist".into(),
        })
        .await
        .expect("send");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let text = tokio::task::block_in_place(|| app_on_host.get_text()).expect("get");
        if text.as_deref() == Some("pasted by the specialist") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{text:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The viewer's own text is not echoed back to it.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(session.channels.clipboard.try_recv().is_err());
    assert_eq!(session.host.stats().rejected_inputs, 0);
}
