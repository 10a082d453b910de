// Terminal input through libedit (see line_editor.h).
#include "harness/shell/line_editor.h"

#include <histedit.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace heapreplay::shell {

namespace {
constexpr int kHistoryLines = 1000;
}

LineEditorInput::LineEditorInput(const char* program, std::function<std::string()> prompt)
    : prompt_(std::move(prompt)) {
  // The prompt and the echo go where the person looks: the terminal on
  // stdout, or on stderr when stdout is redirected to a file.
  FILE* echo = ::isatty(STDOUT_FILENO) == 1 || ::isatty(STDERR_FILENO) != 1 ? stdout : stderr;
  el_ = el_init(program, stdin, echo, stderr);
  if (el_ == nullptr) throw std::runtime_error("cannot set up line editing on this terminal (libedit)");
  hist_ = history_init();
  if (hist_ == nullptr) {
    el_end(el_);
    throw std::runtime_error("cannot set up the command history (libedit)");
  }
  HistEvent ev;
  history(hist_, &ev, H_SETSIZE, kHistoryLines);
  history(hist_, &ev, H_SETUNIQUE, 1);  // a command repeated at once is kept once
  el_set(el_, EL_CLIENTDATA, this);
  el_set(el_, EL_PROMPT, &LineEditorInput::prompt_callback);
  el_set(el_, EL_EDITOR, "emacs");
  el_set(el_, EL_SIGNAL, 1);  // restore the terminal if a signal ends us mid-line
  el_set(el_, EL_HIST, history, hist_);
  el_source(el_, nullptr);  // the user's ~/.editrc, if any
}

LineEditorInput::~LineEditorInput() {
  history_end(hist_);
  el_end(el_);
}

char* LineEditorInput::prompt_callback(EditLine* el) {
  void* data = nullptr;
  el_get(el, EL_CLIENTDATA, &data);
  auto* self = static_cast<LineEditorInput*>(data);
  self->prompt_text_ = self->prompt_ ? self->prompt_() : std::string();
  return self->prompt_text_.data();
}

std::size_t LineEditorInput::read(char* buf, std::size_t capacity) {
  if (pending_pos_ == pending_.size()) {
    int count = 0;
    const char* line = nullptr;
    for (;;) {
      line = el_gets(el_, &count);
      if (line != nullptr || count != -1 || errno != EINTR) break;  // a signal such as SIGWINCH: ask again
    }
    if (line == nullptr || count <= 0) return 0;  // Ctrl-D on an empty line, or the terminal went away
    pending_.assign(line, static_cast<std::size_t>(count));
    pending_pos_ = 0;
    if (pending_.find_first_not_of(" \t\r\n") != std::string::npos) {
      HistEvent ev;
      history(hist_, &ev, H_ENTER, pending_.c_str());
    }
  }
  const std::size_t n = std::min(capacity, pending_.size() - pending_pos_);
  std::memcpy(buf, pending_.data() + pending_pos_, n);
  pending_pos_ += n;
  return n;
}

}  // namespace heapreplay::shell
