//! What every loopback proxy of the tests shares: a listener on 127.0.0.1 whose accept loop
//! polls a stop flag, hands each connection to the proxy's own handler, and keeps the threads
//! the handler started; dropping it stops the loop and joins them all.

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct Acceptor {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Arc<Mutex<Vec<JoinHandle<()>>>>,
    acceptor: Option<JoinHandle<()>>,
}

impl Acceptor {
    /// Accepts up to `max` connections, polling every `poll`; `handle(k, stream, stop)` serves
    /// the k-th (0-based) and returns the threads it started, which watch `stop`.
    pub fn start(
        poll: Duration,
        max: usize,
        mut handle: impl FnMut(usize, TcpStream, &Arc<AtomicBool>) -> Vec<JoinHandle<()>> + Send + 'static,
    ) -> Acceptor {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        listener.set_nonblocking(true).expect("nonblocking listener");
        let addr = listener.local_addr().expect("proxy address");
        let stop = Arc::new(AtomicBool::new(false));
        let threads: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let acceptor = {
            let (stop, threads) = (stop.clone(), threads.clone());
            std::thread::spawn(move || {
                let mut k = 0;
                while !stop.load(Ordering::SeqCst) && k < max {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let started = handle(k, stream, &stop);
                            k += 1;
                            let mut list = threads.lock().unwrap_or_else(|p| p.into_inner());
                            list.retain(|t| !t.is_finished());
                            list.extend(started);
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(poll),
                        Err(_) => std::thread::sleep(poll),
                    }
                }
            })
        };
        Acceptor { addr, stop, threads, acceptor: Some(acceptor) }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Acceptor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(a) = self.acceptor.take() {
            let _ = a.join();
        }
        let list = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|p| p.into_inner()));
        for t in list {
            let _ = t.join();
        }
    }
}
