// Small state files replaced whole: a crash at any instant leaves the old file or the new one,
// never a mix. Shared by the decisions file and the run stamps of calendar jobs.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "thr/status.h"

namespace thr {

// Reads the regular file `path` whole into *text. A missing file is ok with `*found` false.
// Refuses a symlink, a FIFO (without hanging) and a file larger than `max_bytes`.
Status ReadSmallFile(const std::string& path, off_t max_bytes, std::string* text, bool* found);

// Creates `dir` if needed, writes `text` to a fresh temp file beside `path`, fsyncs it, renames
// it over `path` and fsyncs `dir` (the rename is durable only once the directory entry is).
Status ReplaceFile(const std::string& dir, const std::string& path, std::string_view text);

}  // namespace thr
