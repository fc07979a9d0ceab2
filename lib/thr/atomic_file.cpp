#include "thr/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "thr/fd.h"

namespace thr {
namespace {

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Io("write " + path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

Status ReadSmallFile(const std::string& path, off_t max_bytes, std::string* text, bool* found) {
  text->clear();
  *found = false;
  // O_NONBLOCK: a FIFO planted here must not hang thrd's start.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd.valid()) {
    if (errno == ENOENT) return Status::Ok();
    return Status::Io("open " + path, errno);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Status::Io("stat " + path, errno);
  if (!S_ISREG(st.st_mode)) return Status::InvalidConfig(path + ": not a regular file");
  if (st.st_size > max_bytes) {
    return Status::InvalidConfig(path + ": " + std::to_string(st.st_size) +
                                 " bytes, more than this file ever holds");
  }
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Io("read " + path, errno);
    if (n == 0) break;
    text->append(buf, static_cast<size_t>(n));
  }
  *found = true;
  return Status::Ok();
}

Status ReplaceFile(const std::string& dir, const std::string& path, std::string_view text) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Io("directory " + dir, ec.value());
  const std::string temp = path + ".tmp";
  // A fresh file, never one planted (or a symlink) at the temp name.
  ::unlink(temp.c_str());
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) return Status::Io("open " + temp, errno);
  Status s = WriteAll(fd.get(), text, temp);
  if (s.ok() && ::fsync(fd.get()) != 0) s = Status::Io("fsync " + temp, errno);
  fd.Reset();
  if (s.ok() && ::rename(temp.c_str(), path.c_str()) != 0) s = Status::Io("rename " + temp, errno);
  if (!s.ok()) {
    ::unlink(temp.c_str());
    return s;
  }
  UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d.valid() || ::fsync(d.get()) != 0) return Status::Io("fsync " + dir, errno);
  return Status::Ok();
}

}  // namespace thr
