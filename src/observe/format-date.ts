// The strftime subset `log-date` formats use (uWSGI passes them to strftime(3)). Local time, C locale.

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

const pad = (value: number, width = 2, fill = '0'): string => String(value).padStart(width, fill)

export function formatDate(format: string, date: Date): string {
  const fields: Readonly<Record<string, () => string>> = {
    a: () => days[date.getDay()] ?? '',
    b: () => months[date.getMonth()] ?? '',
    d: () => pad(date.getDate()),
    e: () => pad(date.getDate(), 2, ' '),
    H: () => pad(date.getHours()),
    I: () => pad(((date.getHours() + 11) % 12) + 1),
    j: () =>
      pad(Math.floor((date.getTime() - new Date(date.getFullYear(), 0, 1).getTime()) / 86_400_000) + 1, 3),
    m: () => pad(date.getMonth() + 1),
    M: () => pad(date.getMinutes()),
    p: () => (date.getHours() < 12 ? 'AM' : 'PM'),
    S: () => pad(date.getSeconds()),
    s: () => String(Math.floor(date.getTime() / 1000)),
    y: () => pad(date.getFullYear() % 100),
    Y: () => String(date.getFullYear()),
    z: () => {
      const offset = -date.getTimezoneOffset()
      return `${offset >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`
    },
    F: () => `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`,
    T: () => `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`,
    '%': () => '%',
  }
  return format.replace(/%(.)/g, (whole, letter: string) => fields[letter]?.() ?? whole)
}
