//! The built web app (`web/dist`), served on its own origin as a static site host
//! would: a request path maps to a file under the folder, or is refused.

use std::path::{Component, Path, PathBuf};

use http_body_util::Full;
use hyper::Response;
use hyper::body::Bytes;

/// Where a request path points inside the site folder, or `None` for anything that
/// could leave it (`..`, absolute parts, backslashes, NUL). `/` is `index.html`.
pub fn resolve(root: &Path, request_path: &str) -> Option<PathBuf> {
    let relative = request_path.strip_prefix('/')?;
    let relative = if relative.is_empty() || relative.ends_with('/') {
        format!("{relative}index.html")
    } else {
        relative.to_owned()
    };
    if relative.contains('\\') || relative.contains('\0') {
        return None;
    }
    let mut path = root.to_path_buf();
    for component in Path::new(&relative).components() {
        match component {
            Component::Normal(part) => path.push(part),
            _ => return None,
        }
    }
    Some(path)
}

/// The `content-type` of a site file, by extension.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Answers one request for the site: GET/HEAD of a file under `root`, 404 otherwise.
pub async fn serve(root: &Path, method: &hyper::Method, request_path: &str) -> Response<Full<Bytes>> {
    let reply = |status: u16, content_type: &str, body: Bytes| {
        Response::builder()
            .status(status)
            .header("content-type", content_type)
            .header("cache-control", "no-store")
            .body(Full::new(body))
            .expect("static response")
    };
    if method != hyper::Method::GET && method != hyper::Method::HEAD {
        return reply(405, "text/plain; charset=utf-8", Bytes::from_static(b"method not allowed\n"));
    }
    let Some(path) = resolve(root, request_path) else {
        return reply(404, "text/plain; charset=utf-8", Bytes::from_static(b"not found\n"));
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) if method == hyper::Method::HEAD => {
            let mut head = reply(200, content_type(&path), Bytes::new());
            head.headers_mut().insert("content-length", bytes.len().into());
            head
        }
        Ok(bytes) => reply(200, content_type(&path), Bytes::from(bytes)),
        Err(_) => reply(404, "text/plain; charset=utf-8", Bytes::from_static(b"not found\n")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_into_the_folder() {
        let root = Path::new("/site");
        assert_eq!(resolve(root, "/"), Some(PathBuf::from("/site/index.html")));
        assert_eq!(resolve(root, "/assets/app-1.js"), Some(PathBuf::from("/site/assets/app-1.js")));
        assert_eq!(resolve(root, "/docs/"), Some(PathBuf::from("/site/docs/index.html")));
    }

    #[test]
    fn paths_that_leave_the_folder_are_refused() {
        let root = Path::new("/site");
        for path in ["/../etc/passwd", "/assets/../../x", "//etc/passwd", "/a\\..\\b", "relative", "/a\0b"] {
            assert_eq!(resolve(root, path), None, "{path}");
        }
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type(Path::new("a/index.html")), "text/html; charset=utf-8");
        assert_eq!(content_type(Path::new("a/app.js")), "text/javascript; charset=utf-8");
        assert_eq!(content_type(Path::new("a/blob")), "application/octet-stream");
    }
}
