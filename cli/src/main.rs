//! `xuncha --store DIR enroll|sync|status`: syncs a phone-like store (core's SQLite store,
//! unencrypted, as the demo's simulated devices keep it) from a field office's computer or a
//! tester's shell. Thin on purpose: core enrols, syncs and counts; this parses and prints.
//!
//! Output: one `name value` line per figure on stdout. Errors: `错误 [code]: 中文说明` on
//! stderr, with core's stable code. Exit status: 0 done; 1 the enrolment or sync failed (or
//! the store could not be used); 2 usage (clap's).

mod commands;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// 巡查命令行同步客户端：把本机数据目录登记为设备、同步、查看同步状态
/// (xuncha's command-line sync client: enrol a store as a device, sync it, show its status).
#[derive(Parser)]
#[command(name = "xuncha", version)]
struct Args {
    /// 本机数据目录，与手机上的存储相同 (the store directory, as a phone keeps it)
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 用管理员给的一次性登记码把本机登记为设备 (enrol this store as a device with the
    /// admin's one-time code)
    Enroll {
        /// 服务器地址，如 https://xuncha.example.cn (the server's base URL)
        #[arg(long, value_name = "URL")]
        server: String,
        /// 一次性登记码 (the one-time enrolment code)
        #[arg(long)]
        code: String,
        /// 只信任此根证书（PEM 文件），并记在本机，以后同步也用它 (trust only this CA for the
        /// server; kept in the store for later syncs)
        #[arg(long, value_name = "PEM", value_parser = read_pem)]
        ca: Option<String>,
    },
    /// 同步一次：推送本机的修改和证据，拉取服务器上的新内容 (one sync: push, upload, pull)
    Sync {
        /// 本次同步只信任此根证书（PEM 文件）；不给则用登记时记下的 (trust only this CA for
        /// this sync; without it, the one kept at enrolment, if any)
        #[arg(long, value_name = "PEM", value_parser = read_pem)]
        ca: Option<String>,
    },
    /// 显示登记的服务器、设备编号和待同步的数量 (the account, the device id and what waits
    /// to be synced)
    Status,
}

/// A CA file that cannot be read is a usage error (exit 2), said in Chinese.
fn read_pem(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "文件不存在",
            std::io::ErrorKind::PermissionDenied => "没有读取权限",
            std::io::ErrorKind::InvalidData => "不是文本文件",
            _ => "读取出错",
        };
        format!("无法读取证书文件 {path}：{why}")
    })
}

fn main() -> ExitCode {
    // Usage errors end here with clap's status 2.
    let args = Args::parse();
    let figures = match args.command {
        Command::Enroll { server, code, ca } => commands::enroll(&args.store, &server, &code, ca.as_deref()),
        Command::Sync { ca } => commands::sync(&args.store, ca.as_deref()),
        Command::Status => commands::status(&args.store),
    };
    match figures {
        Ok(figures) => {
            for (name, value) in figures {
                println!("{name} {value}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("错误 [{}]: {}", e.code(), e.message_zh());
            ExitCode::FAILURE
        }
    }
}
