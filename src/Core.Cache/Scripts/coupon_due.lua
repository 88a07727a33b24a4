-- The unsettled entries at least ARGV[1] ms old by Redis's clock, as member, stamp pairs.
local cutoff = tonumber(now_ms()) - tonumber(ARGV[1])
local entries = redis.call('HGETALL', KEYS[1])
local due = {}
for i = 1, #entries, 2 do
  local written = tonumber(string.match(entries[i + 1], '^(%d+)'))
  if written and written <= cutoff then
    due[#due + 1] = entries[i]
    due[#due + 1] = entries[i + 1]
  end
end
return due
