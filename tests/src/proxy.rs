//! A TCP proxy that a test can cut and restore, to simulate a network
//! failure between a Sigap process and the broker or the database.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

pub struct Proxy {
    pub port: u16,
    state: Arc<State>,
    accept: AbortHandle,
}

struct State {
    open: AtomicBool,
    connections: Mutex<Vec<AbortHandle>>,
}

impl Proxy {
    /// Forwards `127.0.0.1:<port>` to `target` (`host:port`).
    pub async fn start(target: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(State {
            open: AtomicBool::new(true),
            connections: Mutex::new(Vec::new()),
        });
        let target = target.to_owned();
        let accept_state = state.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                if !accept_state.open.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                accept_state
                    .connections
                    .lock()
                    .expect("lock")
                    .push(task.abort_handle());
            }
        })
        .abort_handle();
        Proxy {
            port,
            state,
            accept,
        }
    }

    /// Drops every connection and refuses new ones.
    pub fn cut(&self) {
        self.state.open.store(false, Ordering::SeqCst);
        for connection in self.state.connections.lock().expect("lock").drain(..) {
            connection.abort();
        }
    }

    /// Accepts connections again.
    pub fn restore(&self) {
        self.state.open.store(true, Ordering::SeqCst);
    }

    /// An AMQP URL through this proxy.
    pub fn amqp_url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}
