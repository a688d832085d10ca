// Renders everything one machine needs to install: answer file, late script, iPXE and GRUB.
import { resolve } from "node:path";
import type { Cluster, Profile } from "../model/cluster.js";
import type { Engine } from "./_engine.js";
import { collectVariables, type InstallTarget, type RenderContext } from "./_variables.js";

/** One rendered file: its name in a node's folder and its text. */
export interface RenderedFile {
  readonly name: string;
  readonly text: string;
}

/** Stock install templates per OS family (kickstart/ in the package). */
export const STOCK_TEMPLATES = {
  debian: { answer: "kickstart/debian-12.preseed.hbs", late: "kickstart/debian-12.late.sh.hbs" },
  rhel: { answer: "kickstart/rhel-9.ks.hbs" },
} as const;

/** The templates of a profile's answer files: the admin's copies where set, else the stock ones. */
export function answerTemplates(profile: Profile, baseDir: string): { answer: RenderedFile["name"]; template: string; extra: { name: string; template: string }[] } {
  const own = (path: string | undefined) => (path ? resolve(baseDir, path) : undefined);
  if (profile.family === "debian") {
    return {
      answer: "preseed.cfg",
      template: own(profile.templates.answer) ?? STOCK_TEMPLATES.debian.answer,
      extra: [{ name: "late.sh", template: own(profile.templates.late) ?? STOCK_TEMPLATES.debian.late }],
    };
  }
  return { answer: "ks.cfg", template: own(profile.templates.answer) ?? STOCK_TEMPLATES.rhel.answer, extra: [] };
}

/** The answer file (preseed.cfg or ks.cfg) of a machine. */
export function renderAnswerFile(engine: Engine, cluster: Cluster, target: InstallTarget, context: RenderContext): RenderedFile {
  const { answer, template } = answerTemplates(target.profile, cluster.baseDir);
  return { name: answer, text: engine.template(template)(collectVariables(cluster, target, context)) };
}

/** Every file of a machine: answer file, its helper scripts, boot.ipxe and grub.cfg. */
export function renderNodeFiles(engine: Engine, cluster: Cluster, target: InstallTarget, context: RenderContext): RenderedFile[] {
  const variables = collectVariables(cluster, target, context);
  const { answer, template, extra } = answerTemplates(target.profile, cluster.baseDir);
  return [
    { name: answer, text: engine.template(template)(variables) },
    ...extra.map((file) => ({ name: file.name, text: engine.template(file.template)(variables) })),
    { name: "boot.ipxe", text: engine.template("templates/boot/ipxe.hbs")(variables) },
    { name: "grub.cfg", text: engine.template("templates/boot/grub.cfg.hbs")(variables) },
  ];
}

/** One answer file of a machine by name (preseed.cfg, late.sh or ks.cfg), or undefined when its OS has no such file. */
export function renderInstallFile(engine: Engine, cluster: Cluster, target: InstallTarget, context: RenderContext, name: string): RenderedFile | undefined {
  const { answer, template, extra } = answerTemplates(target.profile, cluster.baseDir);
  const chosen = name === answer ? template : extra.find((f) => f.name === name)?.template;
  return chosen ? { name, text: engine.template(chosen)(collectVariables(cluster, target, context)) } : undefined;
}

/** The iPXE script that installs a machine. */
export function renderIpxeScript(engine: Engine, cluster: Cluster, target: InstallTarget, context: RenderContext): string {
  return engine.template("templates/boot/ipxe.hbs")(collectVariables(cluster, target, context));
}
