import { mount } from "svelte";
import Widget from "./Widget.svelte";
import "./widget.css";

const target = document.getElementById("widget");
if (!target) throw new Error("#widget is missing from widget.html");
export default mount(Widget, { target });
