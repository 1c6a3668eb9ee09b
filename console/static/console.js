// The staff console's only script: keeps a hand-off thread and an index build up to date.
"use strict";

function poll(element, everyMs, update) {
  const tick = async () => {
    try {
      const response = await fetch(element.dataset.src, { credentials: "same-origin", cache: "no-store" });
      if (response.ok && (await update(response)) === false) return;
    } catch (error) {
      // the console restarted or the network blinked: try again next time
    }
    setTimeout(tick, everyMs);
  };
  setTimeout(tick, everyMs);
}

document.addEventListener("DOMContentLoaded", () => {
  const thread = document.getElementById("thread");
  if (thread) {
    poll(thread, 2000, async (response) => {
      const html = await response.text();
      if (html.trim() !== thread.innerHTML.trim()) thread.innerHTML = html;
    });
  }
  const job = document.getElementById("index-job");
  if (job && job.dataset.state === "running") {
    poll(job, 700, async (response) => {
      const state = await response.json();
      document.getElementById("index-progress").value = state.percent;
      const stage = document.getElementById("index-stage");
      const result = document.getElementById("index-result");
      if (state.state === "running") {
        stage.textContent = `${state.stage_label}${state.total ? `（${state.done}/${state.total}）` : ""}…`;
        return true;
      }
      job.dataset.state = state.state;
      if (state.state === "done") {
        const r = state.report;
        stage.textContent = "完成";
        result.textContent = `索引版本 ${r.version}：共 ${r.chunks} 段，新计算 ${r.embedded} 段，用时 ${r.seconds} 秒。已生效，助手无需重启。`;
      } else {
        stage.textContent = "失败";
        result.textContent = state.error;
      }
      return false;
    });
  }
});
