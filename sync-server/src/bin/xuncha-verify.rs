//! `xuncha-verify --deployment-key HEX|@FILE [--device-key ID=HEX|@FILE]... PACKAGE.zip|FOLDER`:
//! verifies an evidence package offline against keys the reader trusts.
//! Exit status: 0 verified; 1 a check failed (changed, removed or added files, a manifest not
//! signed by the trusted key, bad signature, broken chain, a damaged entry); 2 usage;
//! 3 the package cannot be read; 4 verified but some evidence bytes are not in it.

use clap::Parser;
use std::collections::BTreeMap;
use std::path::PathBuf;
use xuncha_server::console::package::archive::{self, ReadError};
use xuncha_server::console::package::keys::PublicKey;
use xuncha_server::console::package::verify::{self, Trust, exit};

/// 离线验证巡查证据包 (verify an xuncha evidence package offline).
#[derive(Parser)]
#[command(name = "xuncha-verify", version)]
struct Args {
    /// 证据包 ZIP 文件或解压后的文件夹 (the package: a ZIP file or an unpacked folder)
    package: PathBuf,
    /// 所信任的部署公钥：64 位十六进制，或 @文件 (the deployment's public key: hex, or @FILE holding it)
    #[arg(long, value_name = "HEX|@FILE", value_parser = deployment_key)]
    deployment_key: PublicKey,
    /// 已知的设备公钥：设备编号=十六进制公钥，可重复；或 @文件，每行一个 (a known device key,
    /// DEVICE_ID=HEX, repeatable; or @FILE with one per line)
    #[arg(long, value_name = "DEVICE_ID=HEX|@FILE", value_parser = device_keys)]
    device_key: Vec<DeviceKeys>,
}

/// Text of the argument, or of the file it names with `@`.
fn inline_or_file(arg: &str) -> Result<String, String> {
    match arg.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("无法读取 {path}（{}）", archive::io_zh(&e))),
        None => Ok(arg.to_owned()),
    }
}

/// Lines that are not blank nor `#` comments.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn deployment_key(arg: &str) -> Result<PublicKey, String> {
    let text = inline_or_file(arg)?;
    let mut keys = lines(&text);
    match (keys.next(), keys.next()) {
        (Some(key), None) => PublicKey::from_hex(key),
        _ => Err("应恰好给出一个部署公钥".into()),
    }
}

#[derive(Clone)]
struct DeviceKeys(Vec<(String, PublicKey)>);

fn device_keys(arg: &str) -> Result<DeviceKeys, String> {
    let text = inline_or_file(arg)?;
    let keys = lines(&text)
        .map(|line| {
            let (id, key) = line.split_once('=').ok_or_else(|| format!("应为 设备编号=公钥：{line}"))?;
            let id = id.trim();
            if id.is_empty() {
                return Err(format!("缺少设备编号: {line:?}"));
            }
            Ok((id.to_owned(), PublicKey::from_hex(key)?))
        })
        .collect::<Result<Vec<_>, String>>()?;
    if keys.is_empty() {
        return Err("没有给出设备公钥".into());
    }
    Ok(DeviceKeys(keys))
}

fn main() {
    // Usage errors end here with clap's status 2.
    let args = Args::parse();
    let mut devices = BTreeMap::new();
    for (id, key) in args.device_key.into_iter().flat_map(|d| d.0) {
        if devices.insert(id.clone(), key).is_some_and(|old| old != key) {
            eprintln!("设备 {id} 给出了两个不同的公钥");
            std::process::exit(exit::USAGE);
        }
    }
    let trust = Trust { deployment: args.deployment_key, devices };
    println!("所信任的部署公钥：{}", trust.deployment.describe());
    let files = match archive::read_path(&args.package) {
        Ok(f) => f,
        Err(ReadError::Unreadable(why)) => {
            println!("无法读取证据包 UNREADABLE: {why}");
            std::process::exit(exit::UNREADABLE);
        }
        Err(ReadError::Damaged(why)) => {
            println!("  失败 FAILED  {why}");
            println!("验证失败 FAILED: 证据包已被改动或损坏");
            std::process::exit(exit::FAILED);
        }
    };
    let outcome = verify::verify_files(&files, &trust);
    for note in &outcome.notes {
        println!("  通过 ok  {note}");
    }
    for why in &outcome.incomplete {
        println!("  缺少 MISSING  {why}");
    }
    for why in &outcome.failures {
        println!("  失败 FAILED  {why}");
    }
    match outcome.exit_code() {
        exit::VERIFIED => println!("验证通过 VERIFIED: {} 件证据，全部检查通过", outcome.items_verified),
        exit::INCOMPLETE => println!("验证通过但不完整 INCOMPLETE: {} 件证据缺少原件", outcome.incomplete.len()),
        _ => println!("验证失败 FAILED: {} 项检查未通过，证据包与导出时不一致", outcome.failures.len()),
    }
    std::process::exit(outcome.exit_code());
}
