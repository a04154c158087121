use clap::Parser;
use xuncha_server::Options;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    // Exits with clap's message (and status 2) on a bad argument, 0 after --help.
    let options = Options::parse();
    if options.demo && !cfg!(feature = "demo") {
        eprintln!("this build has no demo: build it with the `demo` feature (on by default)");
        std::process::exit(2);
    }
    let server = match xuncha_server::serve_with(&options.data, &options.listen, &options.config()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("the server could not start: {e}");
            std::process::exit(1);
        }
    };
    tracing::info!(url = server.url(), data = %options.data.display(), "listening");
    #[cfg(feature = "demo")]
    if options.demo
        && let Err(e) = {
            server.wait_ready();
            xuncha_server::demo::run(&server)
        }
    {
        eprintln!("the demo failed: {e}");
        std::process::exit(1);
    }
    // Serve until killed.
    loop {
        std::thread::park();
    }
}
