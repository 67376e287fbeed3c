// Generated from themes/*.toml (a test checks they match): built-in themes work without the repository.
// After editing a theme file, paste its text between its #""" marks (ThemeTests fails until they match).

enum BundledThemes {
    static let files: [String: String] = [
        "default": #"""
# b24 console theme "default": for dark terminal backgrounds.
# Colours: names ("red", "bright-blue", "grey", "default"), 256-palette indices ("245"), or "#rrggbb".
# A role is a foreground colour, or a table { fg, bg, bold, underline, reverse, dim, italic }.
# Colours are downgraded to what the terminal shows (truecolor → 256 → 16 → 8 → mono).
name = "default"
description = "Dark backgrounds (default)"

[palette]
text = "default"
muted = "245"
primary = { fg = "#5fafff", bold = true }
accent = "#d7af5f"
surface = { fg = "default", bg = "default" }
border = "240"
title = { fg = "#5fafff", bold = true }
header = { fg = "bright-white", bold = true }
selection = { fg = "black", bg = "#5fafff" }
input = { fg = "bright-white", bg = "237" }
status-bar = { fg = "252", bg = "236" }
success = "#5fd75f"
warning = "#ffaf00"
error = { fg = "#ff5f5f", bold = true }
info = "#5fafff"
risk-read = "#5fd75f"
risk-write = "#ffaf00"
risk-destructive = { fg = "#ff5f5f", bold = true }
risk-mixed = "#d787ff"
http-2xx = "#5fd75f"
http-3xx = "#5fafff"
http-4xx = "#ffaf00"
http-5xx = { fg = "#ff5f5f", bold = true }
banner = { fg = "bright-white", bg = "#af0000", bold = true }
"""#,
        "light": #"""
# b24 console theme "light": for light terminal backgrounds. Format: see default.toml.
name = "light"
description = "Light backgrounds"

[palette]
text = "default"
muted = "242"
primary = { fg = "#005f87", bold = true }
accent = "#875f00"
surface = { fg = "default", bg = "default" }
border = "246"
title = { fg = "#005f87", bold = true }
header = { fg = "black", bold = true }
selection = { fg = "bright-white", bg = "#005f87" }
input = { fg = "black", bg = "254" }
status-bar = { fg = "black", bg = "252" }
success = "#008700"
warning = "#af5f00"
error = { fg = "#d70000", bold = true }
info = "#005f87"
risk-read = "#008700"
risk-write = "#af5f00"
risk-destructive = { fg = "#d70000", bold = true }
risk-mixed = "#8700af"
http-2xx = "#008700"
http-3xx = "#005f87"
http-4xx = "#af5f00"
http-5xx = { fg = "#d70000", bold = true }
banner = { fg = "bright-white", bg = "#d70000", bold = true }
"""#,
        "high-contrast": #"""
# b24 console theme "high-contrast": the 16 ANSI colours only, bold where it helps. Format: see default.toml.
name = "high-contrast"
description = "Maximum contrast, 16 colours"

[palette]
text = "bright-white"
muted = "white"
primary = { fg = "bright-cyan", bold = true }
accent = { fg = "bright-yellow", bold = true }
surface = { fg = "bright-white", bg = "black" }
border = "bright-white"
title = { fg = "bright-yellow", bold = true }
header = { fg = "bright-white", bold = true, underline = true }
selection = { fg = "black", bg = "bright-yellow", bold = true }
input = { fg = "black", bg = "bright-white" }
status-bar = { fg = "black", bg = "bright-white" }
success = { fg = "bright-green", bold = true }
warning = { fg = "bright-yellow", bold = true }
error = { fg = "bright-red", bold = true }
info = { fg = "bright-cyan", bold = true }
risk-read = { fg = "bright-green", bold = true }
risk-write = { fg = "bright-yellow", bold = true }
risk-destructive = { fg = "bright-white", bg = "red", bold = true }
risk-mixed = { fg = "bright-magenta", bold = true }
http-2xx = { fg = "bright-green", bold = true }
http-3xx = { fg = "bright-cyan", bold = true }
http-4xx = { fg = "bright-yellow", bold = true }
http-5xx = { fg = "bright-white", bg = "red", bold = true }
banner = { fg = "bright-white", bg = "red", bold = true }
"""#,
        "mono": #"""
# b24 console theme "mono": no colours, attributes only. Used for NO_COLOR and terminals without colour.
name = "mono"
description = "No colour (NO_COLOR)"

[palette]
text = "default"
muted = { fg = "default", dim = true }
primary = { fg = "default", bold = true }
accent = { fg = "default", underline = true }
surface = "default"
border = "default"
title = { fg = "default", bold = true }
header = { fg = "default", bold = true, underline = true }
selection = { fg = "default", reverse = true }
input = { fg = "default", underline = true }
status-bar = { fg = "default", reverse = true }
success = "default"
warning = { fg = "default", bold = true }
error = { fg = "default", bold = true }
info = "default"
risk-read = "default"
risk-write = { fg = "default", bold = true }
risk-destructive = { fg = "default", bold = true, underline = true }
risk-mixed = { fg = "default", bold = true }
http-2xx = "default"
http-3xx = "default"
http-4xx = { fg = "default", bold = true }
http-5xx = { fg = "default", bold = true, reverse = true }
banner = { fg = "default", bold = true, reverse = true }
"""#,
    ]
}
