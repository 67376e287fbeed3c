// The ncursesw wide-character API for Swift. The two defines must come before the include, or
// cchar_t, setcchar, wadd_wch and wget_wch are not declared. SwiftPM drops pkg-config's -D flags,
// hence no pkgConfig in the module map. Note: editing only this header does not trigger a rebuild.
#ifndef B24_CNCURSESW_SHIM_H
#define B24_CNCURSESW_SHIM_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <locale.h>
#include <wchar.h>
#include <stdlib.h>
#include <signal.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

// Globals as functions: Swift 6 strict concurrency rejects mutable C globals.
static inline WINDOW *b24_stdscr(void) { return stdscr; }
static inline int b24_lines(void) { return LINES; }
static inline int b24_cols(void) { return COLS; }
static inline int b24_colors(void) { return COLORS; }
static inline int b24_color_pairs(void) { return COLOR_PAIRS; }

// Macros that Swift does not import.
static inline attr_t b24_a_normal(void) { return A_NORMAL; }
static inline attr_t b24_a_bold(void) { return A_BOLD; }
static inline attr_t b24_a_underline(void) { return A_UNDERLINE; }
static inline attr_t b24_a_reverse(void) { return A_REVERSE; }
static inline attr_t b24_a_dim(void) { return A_DIM; }
static inline attr_t b24_a_italic(void) { return A_ITALIC; }
static inline int b24_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int b24_getmaxx(WINDOW *w) { return getmaxx(w); }

// Key codes used by the decoder.
static inline int b24_key_code_yes(void) { return KEY_CODE_YES; }
static inline int b24_key_resize(void) { return KEY_RESIZE; }
static inline int b24_key_up(void) { return KEY_UP; }
static inline int b24_key_down(void) { return KEY_DOWN; }
static inline int b24_key_left(void) { return KEY_LEFT; }
static inline int b24_key_right(void) { return KEY_RIGHT; }
static inline int b24_key_home(void) { return KEY_HOME; }
static inline int b24_key_end(void) { return KEY_END; }
static inline int b24_key_ppage(void) { return KEY_PPAGE; }
static inline int b24_key_npage(void) { return KEY_NPAGE; }
static inline int b24_key_ic(void) { return KEY_IC; }
static inline int b24_key_dc(void) { return KEY_DC; }
static inline int b24_key_backspace(void) { return KEY_BACKSPACE; }
static inline int b24_key_enter(void) { return KEY_ENTER; }
static inline int b24_key_btab(void) { return KEY_BTAB; }
static inline int b24_key_f0(void) { return KEY_F0; }
static inline int b24_key_mouse(void) { return KEY_MOUSE; }
static inline int b24_key_sleft(void) { return KEY_SLEFT; }
static inline int b24_key_sright(void) { return KEY_SRIGHT; }

// Draws one grapheme (up to 5 code points) with attributes and an extended colour pair.
static inline int b24_put_cell(int y, int x, const wchar_t *wch, attr_t attrs, int pair) {
    cchar_t c;
    if (setcchar(&c, wch, attrs, 0, &pair) != OK) return ERR;
    return mvwadd_wch(stdscr, y, x, &c);
}

#endif
