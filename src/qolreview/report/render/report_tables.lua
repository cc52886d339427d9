--[[
report_tables.lua: tables that read well in every output format, under both renderers (Quarto runs it as a user
filter). Uses pandoc's Table, ColSpec and Cell (pandoc manual, "Lua filters", "Type Table").

  * A column whose body cells are all numbers (empty and "not reported" cells aside) is right-aligned; every other
    column is left-aligned, so that no theme centres it.
  * Column widths come from the content, not from a pipe table's dashes. HTML and Word lay tables out themselves
    (browser table layout, Word's autofit). Typst shrinks its "auto" columns to equal shares, so a Typst table
    wider than a line of LINE characters gets widths, the way a browser lays out a table (CSS 2.1, 17.5.2.2,
    "Automatic table layout"): a number column is as wide as its longest number (or header word); each text
    column gets its longest word (all of them shrunk alike when they do not fit) and the rest of the line in
    proportion to what its longest cell needs beyond that.
  * HTML: a number cell gets the class "number" and any other cell of at most SHORT characters the class "short"
    (report_style.css keeps both on one line), and the table is wrapped in a div with the class "table-scroll",
    which scrolls sideways when the table is wider than the text.

A number is a cell with a digit and no letters but statistics words (CI, to, p, df, Q, ...) and mathematical
signs, after an optional leading label such as "SMD: ": "105", "1,688", "0.0%", "2 (667)",
"0.24 (95% CI -0.37 to 0.84)", "log RR: 0.61 (95% CI 0.27 to 0.95)", "Q = 0.43, df = 1, p = 0.511".
]]

local SHORT = 24
local LINE = 95
local LONGEST_CELL = 40
local PADDING = 2
local STATISTICS_WORDS = {
  CI = true, to = true, p = true, df = true, Q = true, I = true, k = true, n = true, N = true, SE = true, z = true,
  t = true,
}
local MISSING = { [""] = true, ["not reported"] = true, ["not applicable"] = true }
--- Non-ASCII characters a number may hold: minus and dashes, superscripts, relations, ±, ×, ·, τ, χ, …
local SIGNS = {}
for _, code in utf8.codes("−–—²³±≤≥×·τχ…‰") do SIGNS[code] = true end

local function is_number(text)
  if not text:find("%d") then return false end
  local rest = text:gsub("^[^:%d]+:%s", "", 1)
  for word in rest:gmatch("%a+") do
    if not STATISTICS_WORDS[word] then return false end
  end
  for _, code in utf8.codes(rest) do
    if code > 127 and not SIGNS[code] then return false end
  end
  return true
end

local function has_spans(tbl)
  local spans = false
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      for _, cell in ipairs(row.cells) do
        spans = spans or cell.row_span > 1 or cell.col_span > 1
      end
    end
  end
  return spans
end

--- For each column: true when every non-missing body cell is a number and one is.
local function number_columns(tbl)
  local numbers, others = {}, {}
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      for index, cell in ipairs(row.cells) do
        local text = pandoc.utils.stringify(cell.contents)
        if is_number(text) then
          numbers[index] = true
        elseif not MISSING[text] then
          others[index] = true
        end
      end
    end
  end
  local columns = {}
  for index = 1, #tbl.colspecs do columns[index] = numbers[index] and not others[index] end
  return columns
end

local function length(text)
  return utf8.len(text) or #text
end

--- The least and the largest width a column wants, in characters: its longest word (a whole number counts as one
--- word) and its longest cell (at most LONGEST_CELL), each with the cell's PADDING.
local function column_needs(tbl)
  local least, most = {}, {}
  local function measure(row)
    for index, cell in ipairs(row.cells) do
      local text = pandoc.utils.stringify(cell.contents)
      local word = is_number(text) and length(text) or 0
      for part in text:gmatch("%S+") do word = math.max(word, length(part)) end
      least[index] = math.max(least[index] or 1, word + PADDING)
      most[index] = math.max(most[index] or 1, math.max(word, math.min(length(text), LONGEST_CELL)) + PADDING)
    end
  end
  for _, row in ipairs(tbl.head.rows) do measure(row) end
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do measure(row) end
  end
  return least, most
end

--- Typst: relative column widths for a table wider than LINE, else nil (Typst's "auto" columns). A number column
--- is as wide as its longest number (or header word); the text columns share the rest of the line.
local function typst_widths(tbl, number_column)
  local least, most = column_needs(tbl)
  local line, total_least, total_most = LINE, 0, 0
  for index = 1, #tbl.colspecs do
    if number_column[index] then
      most[index] = least[index]
      line = line - least[index]
    else
      total_least, total_most = total_least + least[index], total_most + most[index]
    end
  end
  if total_most <= line then return nil end
  local share = total_least >= line and 0 or (line - total_least) / (total_most - total_least)
  local scale = total_least >= line and math.max(line, 0) / total_least or 1
  local widths = {}
  for index = 1, #tbl.colspecs do
    widths[index] = number_column[index] and least[index] / LINE
      or (least[index] + (most[index] - least[index]) * share) * scale / LINE
  end
  return widths
end

local function mark_cells(tbl)
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      for _, cell in ipairs(row.cells) do
        local text = pandoc.utils.stringify(cell.contents)
        if is_number(text) then
          cell.classes:insert("number")
        elseif utf8.len(text) and utf8.len(text) <= SHORT then
          cell.classes:insert("short")
        end
      end
    end
  end
end

function Table(tbl)
  if has_spans(tbl) then return nil end
  local columns = number_columns(tbl)
  local widths = FORMAT == "typst" and typst_widths(tbl, columns) or {}
  local colspecs = {}
  for index = 1, #tbl.colspecs do
    colspecs[index] = { columns[index] and pandoc.AlignRight or pandoc.AlignLeft, widths[index] or pandoc.ColWidthDefault }
  end
  tbl.colspecs = colspecs
  if not FORMAT:match("html") then return tbl end
  mark_cells(tbl)
  return pandoc.Div(tbl, pandoc.Attr("", { "table-scroll" }))
end
